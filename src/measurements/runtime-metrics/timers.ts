import type { MetricSample, MetricsSourceKind } from '../../results/runtime-metrics.js';

/** A histogram podchurn reports per cell; `operations` limits the kubelet's operation_type label. */
export interface TimerSpec {
  kind: MetricsSourceKind;
  metric: string;
  /** Reported always (0 when unobserved), and the only operation_type values kept. Absent: every operation seen. */
  operations?: readonly string[];
}

/**
 * The timers of a pod's stop and removal (docs/MEASUREMENTS.md). containerd's names were read off
 * real scrapes of the pinned 1.7, 2.1 and 2.3 binaries (test/fixtures/runtime-metrics/): its CRI
 * timers are histograms named `containerd_cri_<operation>_seconds`, labelled only by runtime handler.
 */
export const TIMERS: readonly TimerSpec[] = [
  {
    kind: 'kubelet',
    metric: 'kubelet_runtime_operations_duration_seconds',
    operations: ['stop_container', 'remove_container', 'stop_podsandbox', 'remove_podsandbox'],
  },
  { kind: 'kubelet', metric: 'kubelet_pod_worker_duration_seconds' },
  { kind: 'containerd', metric: 'containerd_cri_container_stop_seconds' },
  { kind: 'containerd', metric: 'containerd_cri_container_remove_seconds' },
  { kind: 'containerd', metric: 'containerd_cri_sandbox_runtime_stop_seconds' },
  { kind: 'containerd', metric: 'containerd_cri_sandbox_remove_seconds' },
  { kind: 'containerd', metric: 'containerd_cri_sandbox_delete_network_seconds' },
];

const SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/** The histogram a sample name belongs to, when it is one of `kind`'s timers. */
export function timerOf(kind: MetricsSourceKind, name: string): TimerSpec | undefined {
  const suffix = SUFFIXES.find((s) => name.endsWith(s));
  if (!suffix) return undefined;
  const metric = name.slice(0, -suffix.length);
  return TIMERS.find((t) => t.kind === kind && t.metric === metric);
}

/** Whether a metric name (any label) may be kept from a scrape of `kind`: decided before labels are read. */
export function isTimerSampleName(kind: MetricsSourceKind, name: string): boolean {
  return timerOf(kind, name) !== undefined;
}

/** Whether a parsed sample is kept: one of the timers, and for a limited timer one of its operations. */
export function keepSample(kind: MetricsSourceKind, sample: MetricSample): boolean {
  const timer = timerOf(kind, sample.name);
  if (!timer) return false;
  return !timer.operations || timer.operations.includes(sample.labels.operation_type ?? '');
}
