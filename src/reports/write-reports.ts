import type { RunDirectory } from '../results/run-directory.js';
import type { RunAnalysis } from '../results/run-analysis.js';
import { runReportRenderers } from './registry.js';

/** Writes every registered report of a run into its directory; summary.json is written by writeAnalysis. */
export function writeReports(dir: RunDirectory, analysis: RunAnalysis): void {
  for (const renderer of runReportRenderers) dir.writeText(renderer.file, renderer.render(analysis));
}
