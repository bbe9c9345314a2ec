import type { RunAnalysis } from '../results/run-analysis.js';
import type { RunDirectory } from '../results/run-directory.js';
import { renderHtmlReport } from './html.js';
import { renderJunitReport } from './junit.js';
import { renderMarkdownReport } from './markdown.js';

/** Writes every rendered report of a run into its directory; summary.json is written by writeAnalysis. */
export function writeReports(dir: RunDirectory, analysis: RunAnalysis): void {
  dir.writeText('reportMarkdown', renderMarkdownReport(analysis));
  dir.writeText('reportHtml', renderHtmlReport(analysis));
  dir.writeText('junit', renderJunitReport(analysis));
}
