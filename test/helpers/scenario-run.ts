import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../../src/run/run-scenario.js';
import { runEvents } from './run-dir.js';

/** One event of a finished run, with its data as a plain record for assertions. */
export interface RunEvent {
  kind: string;
  pod?: string;
  data: Record<string, unknown>;
}

/** Runs a scenario file in process into a fresh reports directory; returns the analysis, the run directory and its events. */
export async function runScenarioFile(scenarioFile: string, overrides: string[], tempPrefix: string) {
  const reportsDir = join(mkdtempSync(join(tmpdir(), `podchurn-${tempPrefix}-`)), 'reports');
  const { analysis, dir } = await runScenario({ scenarioFile, overrides, reportsDir, signal: new AbortController().signal });
  const events: RunEvent[] = runEvents(dir.path).map((e) => ({
    kind: e.kind,
    ...(e.pod ? { pod: e.pod } : {}),
    data: (e.data ?? {}) as Record<string, unknown>,
  }));
  return { analysis, dir, events };
}
