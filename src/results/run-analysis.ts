import type { Finding } from './finding.js';
import type { PodRecord } from './pod-record.js';
import type { RunSummary } from './summary.js';

/** Everything derived from one run directory: what reports render and comparisons read. */
export interface RunAnalysis {
  summary: RunSummary;
  records: PodRecord[];
  findings: Finding[];
}
