import { join } from 'node:path';
import { RunDirectory } from '../../src/results/run-directory.js';
import { analyzeRun } from '../../src/run/analyze-run.js';
import type { RunAnalysis } from '../../src/results/run-analysis.js';
import { repoRoot } from './cli.js';

/**
 * The committed run directory the report tests render: two cells (containerd 1.7.15 with two
 * lost exits, 1.7.22 clean), made by synthesizeRun and kept fixed so golden files stay stable.
 */
export const fixtureRunDir = join(repoRoot, 'test/fixtures/run-lost-exit');
export const hostileString = '<img src=x onerror=alert(1)>';

export function fixtureAnalysis(): RunAnalysis {
  return analyzeRun(RunDirectory.open(fixtureRunDir));
}
