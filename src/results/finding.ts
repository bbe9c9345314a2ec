/** A runtime or node log line that matched a known signature (docs/MEASUREMENTS.md, log signatures). */
export interface Finding {
  signature: string;
  severity: FindingSeverity;
  /** Still true when the line is harmless on its own; false once correlation escalated it. */
  benign: boolean;
  source: string;
  lineNumber: number;
  /** The log line's own timestamp, when it has one. */
  time?: string;
  containerId?: string;
  pod?: string;
  cell?: string;
  line: string;
  reference: string;
}

export type FindingSeverity = 'error' | 'warning' | 'info';
