import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The one run directory a test's reports dir holds. */
export function runDirOf(reportsDir: string): string {
  const [runId] = readdirSync(reportsDir);
  if (!runId) throw new Error(`no run directory in ${reportsDir}`);
  return join(reportsDir, runId);
}

export interface RecordedPodEvent {
  kind: string;
  mono: number;
  pod?: string;
  data?: { containerId?: string };
}

/** Every event of a run directory's events.jsonl, in order. */
export function runEvents(runDir: string): RecordedPodEvent[] {
  return readFileSync(join(runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RecordedPodEvent);
}
