import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseAnyKey, RuntimeStore } from '../../src/runtime/store.js';
import { repoRoot } from './cli.js';

/**
 * What a test file needs from the machine, obtained by the file itself through the same code paths a
 * user's run takes (the runtime store's ensure, the set-up scripts), so that no file depends on
 * another having run first and each passes alone on an empty cache (PODCHURN_CACHE_DIR).
 */

/** The Kubernetes pin the API-path and cluster tests run against. */
export const KUBERNETES_KEY = 'kubernetes@1.34.4';

/**
 * How long a file's provisioning hook may take: a cold Kubernetes build took 749 s and 1216 s on these
 * 2-core machines under load (docs/results/fresh-cache-tests.md, docs/RUNTIMES.md), and a file may need
 * several cold components, or the test set-up's Debian packages too.
 */
export const PROVISION_TIMEOUT_MS = 45 * 60_000;

function progress(line: string): void {
  process.stderr.write(`    [provision] ${line}\n`);
}

/**
 * Installs runtime store keys (kubernetes@1.34.4, etcd@3.6.5, containerd@1.7.22, ...) that are
 * missing, as `podchurn run` does: the store builds them from the Go module proxy and holds a
 * per-key lock, so two test processes wanting the same key build it once.
 */
export async function ensureStoreKeys(...keys: string[]): Promise<void> {
  const store = new RuntimeStore();
  for (const key of keys) {
    const parsed = parseAnyKey(key);
    if (await store.get(parsed.key)) continue;
    progress(`${parsed.key} is not in the runtime store (${store.root}); building it once, cached afterwards`);
    const started = performance.now();
    await store.ensure(parsed, { autoInstall: true, onProgress: (line) => progress(`${parsed.key}: ${line}`) });
    progress(`${parsed.key} ready in ${Math.round((performance.now() - started) / 1000)} s`);
  }
}

/** Runs one of the set-up scripts a user runs, its output on this process's stderr as it comes. */
function runSetupScript(script: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot, 'scripts', script), ...args], { stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/${[script, ...args].join(' ')} exited ${code}; its output is above`))));
  });
}

/**
 * The set-up a user runs (scripts/setup.sh): Debian packages, node_modules, and the bundled CLI
 * (dist/podchurn.cjs) rebuilt when a source is newer; with `--test` also what only the tests need
 * (chromium, docker.io, debootstrap, a running Docker engine, the pinned kind CLI). Idempotent and quick when nothing is missing.
 */
export function ensureSetUp(options: { test?: boolean } = {}): Promise<void> {
  return runSetupScript('setup.sh', options.test ? ['--test'] : []);
}

/** A mocha `before` hook running the set-up (see ensureSetUp), for files that run the bundled CLI or need Docker and kind. */
export function provisionSetUp(options: { test?: boolean } = {}): (this: Mocha.Context) => Promise<void> {
  return async function (this: Mocha.Context) {
    this.timeout(PROVISION_TIMEOUT_MS);
    await ensureSetUp(options);
  };
}

/** A mocha `before` hook that installs the given store keys, with the time a cold build needs. */
export function provisionStoreKeys(...keys: string[]): (this: Mocha.Context) => Promise<void> {
  return async function (this: Mocha.Context) {
    this.timeout(PROVISION_TIMEOUT_MS);
    await ensureStoreKeys(...keys);
  };
}
