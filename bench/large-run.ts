import { synthesizeRun, writeSyntheticRun } from '../test/helpers/synthetic-run.js';

/**
 * The large run both report benchmarks analyse: two cells (containerd 1.7.15 with a stuck stop every
 * 5,000 pods, 1.7.22 clean), seeded, so every benchmark and every round reads the same events.
 */
export function writeLargeRun(dir: string, podsPerCell: number): { events: number } {
  const run = synthesizeRun({
    runId: 'bench-report-render',
    podsPerCell,
    seed: 42,
    cells: [
      { containerd: '1.7.15', runc: '1.1.14', medianStopMs: 1500, stuckEvery: 5000 },
      { containerd: '1.7.22', runc: '1.1.14', medianStopMs: 1200, stuckEvery: 0 },
    ],
  });
  writeSyntheticRun(dir, run);
  return { events: run.events.length };
}
