import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Writes a scenario (merged over a small CRI default) to a fresh temp dir; returns the file and a reports dir. */
export function writeScenario(name: string, fields: Record<string, unknown>): { file: string; reportsDir: string } {
  const dir = mkdtempSync(join(tmpdir(), `podchurn-${name}-`));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name },
      target: { type: 'cri' },
      holdSeconds: 0,
      requestTimeoutSeconds: 30,
      ...fields,
    }),
  );
  return { file, reportsDir: join(dir, 'reports') };
}
