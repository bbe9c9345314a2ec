import { RuntimeStore, parseKey } from '../../src/runtime/store.js';

/** Installs runtime keys the tests need: built from the Go module proxy on first use (minutes), cached after. */
export async function ensurePinned(...keys: string[]): Promise<void> {
  const store = new RuntimeStore();
  for (const key of keys) {
    const parsed = parseKey(key.startsWith('runc') ? 'runc' : 'containerd', key);
    if (!(await store.get(parsed.key))) {
      process.stderr.write(`    (building ${parsed.key} from the Go module proxy; cached afterwards)\n`);
      await store.install(parsed, { onProgress: () => undefined });
    }
  }
}
