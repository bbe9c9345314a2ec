import { renderHtmlReport } from './html.js';
import { renderJunitReport } from './junit.js';
import { renderMarkdownReport } from './markdown.js';
import { runMetricFamilies } from './metric-families.js';
import { renderOpenMetrics } from './metrics-text.js';
import type { RunReportRenderer } from './renderer.js';

/**
 * Every report file a run directory gets. A new format is one renderer module (a pure function of
 * RunAnalysis), one file name in results/run-directory.ts and one line here.
 */
export const runReportRenderers: readonly RunReportRenderer[] = [
  { file: 'reportMarkdown', render: renderMarkdownReport },
  { file: 'reportHtml', render: (analysis) => renderHtmlReport(analysis) },
  { file: 'junit', render: renderJunitReport },
  { file: 'metrics', render: (analysis) => renderOpenMetrics(runMetricFamilies(analysis)) },
];
