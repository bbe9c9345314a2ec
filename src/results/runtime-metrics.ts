/**
 * Persisted shapes of the runtime-metrics measurement (src/measurements/runtime-metrics/): what a
 * scrape of containerd's or the kubelet's Prometheus endpoint recorded at a cell's start and end
 * (the data of a `metrics-scrape` run event), and the per-cell deltas in summary.json.
 */

/** Whose endpoint: containerd's `/v1/metrics` or the kubelet's `/metrics`. */
export type MetricsSourceKind = 'containerd' | 'kubelet';

/** One sample line: metric name (with its _bucket/_sum/_count suffix), labels, value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One source's answer at one scrape: the samples of the families that matter, or why there are none. */
export interface SourceScrape {
  /** `containerd`, `kubelet/<node>`, `containerd/<node>`: unique within a scrape. */
  source: string;
  kind: MetricsSourceKind;
  samples?: MetricSample[];
  error?: string;
}

/** The data of a `metrics-scrape` run event. */
export interface MetricsScrapeEvent {
  rep: number;
  phase: 'start' | 'end';
  scrapes: SourceScrape[];
}

/** One timer's change over a cell (summed over its repetitions, and over nodes for a multi-node cluster). */
export interface TimerDelta {
  kind: MetricsSourceKind;
  /** The histogram's name without suffix, e.g. kubelet_runtime_operations_duration_seconds. */
  metric: string;
  /** The kubelet's operation_type label; absent for containerd's timers (one per operation). */
  operation?: string;
  /** Observations during the cell. */
  count: number;
  sumSeconds: number;
  /** sum / count; null without observations. */
  meanMs: number | null;
  /** Estimated from the histogram's buckets by linear interpolation (as PromQL's histogram_quantile); null without observations. */
  p50Ms: number | null;
  p99Ms: number | null;
}

/** CellSummary.runtimeMetrics. */
export interface RuntimeMetricsSummary {
  /** Sources that answered at both the start and the end of at least one repetition. */
  sources: string[];
  timers: TimerDelta[];
  /** Scrapes that failed, counters that went backwards (a restarted daemon): never a reason to fail the run. */
  notes: string[];
}

/**
 * An endpoint a target session offers for scraping (TargetSession.metricsEndpoints): fetch returns the
 * exposition text. Not persisted; declared here so targets/ and measurements/ share it from the floor.
 */
export interface MetricsEndpoint {
  source: string;
  kind: MetricsSourceKind;
  fetch(signal: AbortSignal): Promise<string>;
  /**
   * Its start scrape need not be done when the cell starts, only before the cell's first delete, which the target
   * holds until it is (the node agent, still coming up at its session's first cell): the cell does not wait for it.
   * Only for sources whose kept timers observe nothing but stops and removals (containerd's).
   */
  startsBeforeDeletes?: boolean;
}

/** One timer of a compared cell pair (comparison.json `pairs[].runtimeTimers`): side by side, without a verdict. */
export interface TimerPair {
  kind: MetricsSourceKind;
  metric: string;
  operation?: string;
  baseline: TimerDelta | null;
  candidate: TimerDelta | null;
}
