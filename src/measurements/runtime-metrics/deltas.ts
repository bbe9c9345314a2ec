import type { RunEvent } from '../../engine/events.js';
import type { MetricSample, MetricsScrapeEvent, MetricsSourceKind, RuntimeMetricsSummary, TimerDelta, TimerPair } from '../../results/runtime-metrics.js';
import { TIMERS, timerOf } from './timers.js';

/** A cumulative histogram: observations at or below each upper bound (`le`), their sum and count. */
export interface Histogram {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

const emptyHistogram = (): Histogram => ({ buckets: new Map(), sum: 0, count: 0 });

/** `metric` + operation: the key one reported timer is summed under (other labels, such as containerd's runtime handler, are summed over). */
const keyOf = (metric: string, operation: string | undefined) => `${metric}\u0000${operation ?? ''}`;

/** The timers' histograms in one source's samples, keyed by metric and operation. */
export function histogramsOf(kind: MetricsSourceKind, samples: readonly MetricSample[]): Map<string, Histogram> {
  const histograms = new Map<string, Histogram>();
  for (const sample of samples) {
    const timer = timerOf(kind, sample.name);
    if (!timer) continue;
    const operation = kind === 'kubelet' ? sample.labels.operation_type : undefined;
    const key = keyOf(timer.metric, operation);
    const histogram = histograms.get(key) ?? emptyHistogram();
    histograms.set(key, histogram);
    if (sample.name.endsWith('_bucket')) {
      const le = Number(sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : sample.labels.le);
      histogram.buckets.set(le, (histogram.buckets.get(le) ?? 0) + sample.value);
    } else if (sample.name.endsWith('_sum')) histogram.sum += sample.value;
    else histogram.count += sample.value;
  }
  return histograms;
}

/** end - start, bucket by bucket; undefined when a count went backwards (the daemon restarted in between). */
export function subtract(end: Histogram, start: Histogram | undefined): Histogram | undefined {
  if (!start) return end;
  if (end.count < start.count) return undefined;
  const buckets = new Map<number, number>();
  for (const [le, value] of end.buckets) {
    const delta = value - (start.buckets.get(le) ?? 0);
    if (delta < 0) return undefined;
    buckets.set(le, delta);
  }
  return { buckets, sum: end.sum - start.sum, count: end.count - start.count };
}

function add(into: Histogram, other: Histogram): void {
  for (const [le, value] of other.buckets) into.buckets.set(le, (into.buckets.get(le) ?? 0) + value);
  into.sum += other.sum;
  into.count += other.count;
}

/**
 * The q-quantile in seconds, estimated as PromQL's histogram_quantile does: find the bucket holding
 * rank q * count, interpolate linearly inside it (from 0 for the first bucket); a rank in the +Inf
 * bucket answers the highest finite bound. Null without observations.
 */
export function histogramQuantile(histogram: Histogram, q: number): number | null {
  const bounds = [...histogram.buckets.keys()].sort((a, b) => a - b);
  const total = histogram.buckets.get(Number.POSITIVE_INFINITY) ?? histogram.count;
  if (total <= 0 || bounds.length === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const upper of bounds) {
    const cumulative = histogram.buckets.get(upper)!;
    if (cumulative >= rank) {
      if (upper === Number.POSITIVE_INFINITY) return lower;
      if (cumulative === below) return upper;
      return lower + ((upper - lower) * (rank - below)) / (cumulative - below);
    }
    lower = upper;
    below = cumulative;
  }
  return lower;
}

const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1e6) / 1e3);

function timerDelta(kind: MetricsSourceKind, metric: string, operation: string | undefined, histogram: Histogram): TimerDelta {
  return {
    kind,
    metric,
    ...(operation !== undefined ? { operation } : {}),
    count: histogram.count,
    sumSeconds: Math.round(histogram.sum * 1e6) / 1e6,
    meanMs: histogram.count > 0 ? ms(histogram.sum / histogram.count) : null,
    p50Ms: histogram.count > 0 ? ms(histogramQuantile(histogram, 0.5)) : null,
    p99Ms: histogram.count > 0 ? ms(histogramQuantile(histogram, 0.99)) : null,
  };
}

/**
 * A cell's timer deltas from its `metrics-scrape` events: each repetition's end minus its start, per
 * source, summed over repetitions and over sources of one kind (the nodes of a cluster). Undefined
 * when the cell recorded no scrape at all.
 */
export function runtimeMetricsOfCell(scrapes: readonly MetricsScrapeEvent[]): RuntimeMetricsSummary | undefined {
  if (scrapes.length === 0) return undefined;
  const notes: string[] = [];
  const sources = new Set<string>();
  const kinds = new Set<MetricsSourceKind>();
  const totals = new Map<string, { kind: MetricsSourceKind; metric: string; operation?: string; histogram: Histogram }>();
  const reps = [...new Set(scrapes.map((s) => s.rep))].sort((a, b) => a - b);
  for (const rep of reps) {
    const start = scrapes.find((s) => s.rep === rep && s.phase === 'start');
    const end = scrapes.find((s) => s.rep === rep && s.phase === 'end');
    for (const failed of [...(start?.scrapes ?? []), ...(end?.scrapes ?? [])].filter((s) => s.error))
      notes.push(`rep ${rep}: ${failed.source} not scraped: ${failed.error}`);
    if (!start || !end) {
      notes.push(`rep ${rep}: no ${start ? 'end' : 'start'} scrape (the cell ended early)`);
      continue;
    }
    for (const after of end.scrapes) {
      const before = start.scrapes.find((s) => s.source === after.source);
      if (!after.samples || !before?.samples) continue;
      sources.add(after.source);
      kinds.add(after.kind);
      const startHistograms = histogramsOf(before.kind, before.samples);
      const endHistograms = histogramsOf(after.kind, after.samples);
      // A timer that had observations at the start and is gone at the end belongs to a daemon that restarted.
      for (const [key, histogram] of startHistograms) if (!endHistograms.has(key) && histogram.count > 0) endHistograms.set(key, emptyHistogram());
      for (const [key, histogram] of endHistograms) {
        const delta = subtract(histogram, startHistograms.get(key));
        const [metric = '', operation] = key.split('\u0000');
        if (!delta) {
          notes.push(`rep ${rep}: ${after.source} ${metric}${operation ? ` ${operation}` : ''} went backwards (restarted during the cell); left out`);
          continue;
        }
        const total = totals.get(key) ?? { kind: after.kind, metric, ...(operation ? { operation } : {}), histogram: emptyHistogram() };
        totals.set(key, total);
        add(total.histogram, delta);
      }
    }
  }
  // Timers a source never observed are reported as 0: "no StopPodSandbox" is a finding too.
  for (const timer of TIMERS.filter((t) => kinds.has(t.kind))) {
    // containerd's timers have no operation; the kubelet's pod worker reports only the operations it saw.
    for (const operation of timer.operations ?? (timer.kind === 'containerd' ? [undefined] : [])) {
      const key = keyOf(timer.metric, operation);
      if (!totals.has(key)) totals.set(key, { kind: timer.kind, metric: timer.metric, ...(operation ? { operation } : {}), histogram: emptyHistogram() });
    }
  }
  const order = (t: { metric: string; operation?: string }) => TIMERS.findIndex((spec) => spec.metric === t.metric);
  const timers = [...totals.values()]
    .sort((a, b) => order(a) - order(b) || (a.operation ?? '').localeCompare(b.operation ?? ''))
    .map((t) => timerDelta(t.kind, t.metric, t.operation, t.histogram));
  return { sources: [...sources].sort(), timers, notes };
}

/** The cell's `runtimeMetrics` field of CellSummary from the run's events: absent when nothing was scraped. */
export function runtimeMetricsField(runEvents: readonly RunEvent[], cellId: string): { runtimeMetrics?: RuntimeMetricsSummary } {
  const scrapes = runEvents.filter((e) => e.kind === 'metrics-scrape' && e.cell === cellId).map((e) => e.data as unknown as MetricsScrapeEvent);
  const runtimeMetrics = runtimeMetricsOfCell(scrapes);
  return runtimeMetrics ? { runtimeMetrics } : {};
}

/**
 * The timers of two cells side by side, for `compare`: those observed on either side. No verdict:
 * the figures are histogram estimates from one pair of scrapes, not samples a test could weigh.
 */
export function pairTimers(baseline: RuntimeMetricsSummary | undefined, candidate: RuntimeMetricsSummary | undefined): TimerPair[] {
  const key = (t: TimerDelta) => `${t.kind}\u0000${t.metric}\u0000${t.operation ?? ''}`;
  const pairs = new Map<string, TimerPair>();
  for (const [side, summary] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    for (const timer of summary?.timers ?? []) {
      if (timer.count === 0) continue;
      const pair = pairs.get(key(timer)) ?? {
        kind: timer.kind,
        metric: timer.metric,
        ...(timer.operation !== undefined ? { operation: timer.operation } : {}),
        baseline: null,
        candidate: null,
      };
      pair[side] = timer;
      pairs.set(key(timer), pair);
    }
  }
  return [...pairs.values()];
}
