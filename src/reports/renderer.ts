import type { runFiles } from '../results/run-directory.js';
import type { RunAnalysis } from '../results/run-analysis.js';

/**
 * One output format of a run: a pure function of the analysis and the run-directory file it goes
 * to. Renderers never write files; write-reports.ts does, for every renderer in the registry.
 */
export interface RunReportRenderer {
  /** Which file of the run directory it fills (results/run-directory.ts names them all). */
  readonly file: keyof typeof runFiles;
  render(analysis: RunAnalysis): string;
}
