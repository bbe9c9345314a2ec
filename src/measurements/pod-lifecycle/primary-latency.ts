import type { PrimaryLatencyName } from '../../results/summary.js';
import type { PodRecord } from '../../results/pod-record.js';

/**
 * The one latency each target is judged by. Every consumer (terminal, Markdown, HTML, JUnit,
 * summary.json, gates, compare, --max-regression, history) reads the figures this picks, so a
 * Kubernetes run is never judged by a CRI stop latency its pods do not have.
 */
export interface PrimaryLatency {
  /** Short name used in table headers, JUnit properties and verdicts: "deletion p99". */
  name: PrimaryLatencyName;
  /** What one sample is, in the words every report prints. */
  definition: string;
  /** The per-pod sample: a measured completion only (failed stops and inferred deletions have none). */
  of(record: Pick<PodRecord, 'stopLatencyMs' | 'deletionLatencyMs'>): number | undefined;
}

const deletion: PrimaryLatency = {
  name: 'deletion',
  definition: 'deletion latency = pod DELETED seen on the watch - DELETE sent, per pod; deletions inferred at a watch relist are counted apart',
  of: (record) => record.deletionLatencyMs,
};

const stop: PrimaryLatency = {
  name: 'stop',
  definition: 'stop latency = StopContainer returned OK - StopContainer sent, per container; stops that failed or timed out are counted apart',
  of: (record) => record.stopLatencyMs,
};

const byName: Record<PrimaryLatencyName, PrimaryLatency> = { deletion, stop };

/** The measurement behind a primary latency name; each target driver names its own. */
export function primaryLatency(name: PrimaryLatencyName): PrimaryLatency {
  return byName[name];
}
