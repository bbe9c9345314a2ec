import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { histogramQuantile, histogramsOf, pairTimers, runtimeMetricsOfCell } from '../../../src/measurements/runtime-metrics/deltas.js';
import { PrometheusTextError, parsePrometheusText } from '../../../src/measurements/runtime-metrics/prometheus-text.js';
import { isTimerSampleName, keepSample } from '../../../src/measurements/runtime-metrics/timers.js';
import type { EventSink } from '../../../src/engine/events.js';
import type { CellRunContext } from '../../../src/measurements/measurement.js';
import { runtimeMetricsMeasurement } from '../../../src/measurements/runtime-metrics/runtime-metrics.js';
import type { MetricsEndpoint, MetricsScrapeEvent, MetricsSourceKind, SourceScrape } from '../../../src/results/runtime-metrics.js';

/*
 * Fixtures are real scrapes (test/fixtures/runtime-metrics/README.md): containerd 1.7.22 and 2.3.1
 * before and after a CRI run stopped 3 pods, and a local cluster's kubelet before and after pods were deleted.
 */
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/runtime-metrics', `${name}.prom`), 'utf8');

const scrapeOf = (kind: MetricsSourceKind, source: string, text: string): SourceScrape => ({
  source,
  kind,
  samples: parsePrometheusText(text, (name) => isTimerSampleName(kind, name)).filter((s) => keepSample(kind, s)),
});
const event = (rep: number, phase: 'start' | 'end', scrapes: SourceScrape[]): MetricsScrapeEvent => ({ rep, phase, scrapes });
const timer = (summary: ReturnType<typeof runtimeMetricsOfCell>, metric: string, operation?: string) =>
  summary?.timers.find((t) => t.metric === metric && t.operation === operation);

describe('runtime metrics: Prometheus text, timer deltas and histogram quantiles', () => {
  it('parses every line of real containerd scrapes: labels with escapes, +Inf buckets, HELP/TYPE skipped', () => {
    const samples = parsePrometheusText(fixture('containerd-1.7.22-end'));
    const lines = fixture('containerd-1.7.22-end')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(samples).to.have.length(lines.length);
    expect(samples).to.deep.include({
      name: 'containerd_cri_container_stop_seconds_bucket',
      labels: { runtime: 'io.containerd.runc.v2', le: '+Inf' },
      value: 3,
    });
    const parsed = parsePrometheusText('a_total{path="C:\\\\x",msg="say \\"hi\\"\\n",} 1.5e3 1700000000000\nb NaN\nc -Inf\n');
    expect(parsed[0]).to.deep.equal({ name: 'a_total', labels: { path: 'C:\\x', msg: 'say "hi"\n' }, value: 1500 });
    expect(parsed[1]!.value).to.be.NaN;
    expect(parsed[2]!.value).to.equal(Number.NEGATIVE_INFINITY);
  });

  it('names the line of text that is not the exposition format', () => {
    expect(() => parsePrometheusText('ok 1\n<html>\n')).to.throw(PrometheusTextError, /line 2/);
    expect(() => parsePrometheusText('x{a="1" 2\n')).to.throw(PrometheusTextError, /line 1/);
    expect(() => parsePrometheusText('x{a="1"} twelve\n')).to.throw(PrometheusTextError, /not a sample value/);
  });

  it('estimates quantiles as histogram_quantile does: interpolated in the bucket, the top finite bound for +Inf', () => {
    const h = {
      buckets: new Map([
        [0.1, 0],
        [0.25, 2],
        [0.5, 3],
        [Number.POSITIVE_INFINITY, 3],
      ]),
      sum: 0.7,
      count: 3,
    };
    // rank 1.5 of 3 in (0.1, 0.25] holding 2: 0.1 + 0.15 * 1.5 / 2.
    expect(histogramQuantile(h, 0.5)).to.be.closeTo(0.2125, 1e-9);
    // rank 2.97 in (0.25, 0.5] holding 1: 0.25 + 0.25 * 0.97.
    expect(histogramQuantile(h, 0.99)).to.be.closeTo(0.4925, 1e-9);
    const overflow = {
      buckets: new Map([
        [1, 0],
        [Number.POSITIVE_INFINITY, 4],
      ]),
      sum: 40,
      count: 4,
    };
    expect(histogramQuantile(overflow, 0.5)).to.equal(1);
    expect(histogramQuantile({ buckets: new Map(), sum: 0, count: 0 }, 0.5)).to.equal(null);
  });

  for (const version of ['1.7.22', '2.3.1']) {
    it(`containerd ${version}: the cell's deltas are the 3 stops and removals of the run (timers absent at the start count from 0)`, () => {
      const start = scrapeOf('containerd', 'containerd', fixture(`containerd-${version}-start`));
      const end = scrapeOf('containerd', 'containerd', fixture(`containerd-${version}-end`));
      // Only the timers' samples are kept from a scrape of hundreds of families.
      expect(new Set(end.samples!.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')))).to.deep.equal(
        new Set([
          'containerd_cri_container_stop_seconds',
          'containerd_cri_container_remove_seconds',
          'containerd_cri_sandbox_runtime_stop_seconds',
          'containerd_cri_sandbox_remove_seconds',
          'containerd_cri_sandbox_delete_network_seconds',
        ]),
      );
      const summary = runtimeMetricsOfCell([event(1, 'start', [start]), event(1, 'end', [end])]);
      expect(summary!.sources).to.deep.equal(['containerd']);
      expect(summary!.notes).to.deep.equal([]);
      const stop = timer(summary, 'containerd_cri_container_stop_seconds')!;
      expect(stop.count).to.equal(3);
      const endSum = end.samples!.find((s) => s.name === 'containerd_cri_container_stop_seconds_sum')!.value;
      expect(stop.sumSeconds).to.be.closeTo(endSum, 1e-6);
      expect(stop.meanMs).to.be.closeTo((endSum / 3) * 1000, 0.001);
      expect(stop.p50Ms).to.be.within(100, 250);
      expect(stop.p99Ms).to.be.at.least(stop.p50Ms!);
      expect(timer(summary, 'containerd_cri_container_remove_seconds')!.count).to.equal(3);
      expect(timer(summary, 'containerd_cri_sandbox_remove_seconds')!.count).to.equal(3);
      // StopPodSandbox, and the stop RemovePodSandbox makes of its own: two per pod on the CRI target.
      expect(timer(summary, 'containerd_cri_sandbox_runtime_stop_seconds')!.count).to.equal(6);
      // Host-network pods: no CNI DEL.
      expect(timer(summary, 'containerd_cri_sandbox_delete_network_seconds')).to.include({ count: 0, meanMs: null, p50Ms: null });
    });
  }

  it('sums repetitions and nodes; a failed scrape and a counter that went backwards are notes, not errors', () => {
    const start = scrapeOf('containerd', 'containerd', fixture('containerd-1.7.22-start'));
    const end = scrapeOf('containerd', 'containerd', fixture('containerd-1.7.22-end'));
    const twoReps = runtimeMetricsOfCell([event(1, 'start', [start]), event(1, 'end', [end]), event(2, 'start', [start]), event(2, 'end', [end])]);
    expect(timer(twoReps, 'containerd_cri_container_stop_seconds')!.count).to.equal(6);

    const restarted = runtimeMetricsOfCell([
      event(1, 'start', [end, { source: 'kubelet/n1', kind: 'kubelet', error: 'no answer within 10 s' }]),
      event(1, 'end', [start, { source: 'kubelet/n1', kind: 'kubelet', error: 'no answer within 10 s' }]),
    ]);
    expect(restarted!.notes.join('\n')).to.match(/kubelet\/n1 not scraped: no answer within 10 s/);
    expect(restarted!.notes.join('\n')).to.match(/containerd_cri_container_stop_seconds went backwards/);
    expect(runtimeMetricsOfCell([])).to.equal(undefined);
    expect(runtimeMetricsOfCell([event(1, 'start', [start])])!.notes).to.deep.equal(['rep 1: no end scrape (the cell ended early)']);
  });

  it('kubelet: the stop and removal operations of runtime operations, and every pod worker operation', () => {
    const start = scrapeOf('kubelet', 'kubelet/node', fixture('kubelet-1.34.4-start'));
    const end = scrapeOf('kubelet', 'kubelet/node', fixture('kubelet-1.34.4-end'));
    const operations = new Set(end.samples!.filter((s) => s.name.startsWith('kubelet_runtime_operations')).map((s) => s.labels.operation_type));
    // The other operations (create_container, list_podsandbox, ...) are dropped at the scrape; the removals come
    // with the kubelet's garbage collection, a minute later, so none was in this scrape.
    expect(operations).to.deep.equal(new Set(['stop_container', 'stop_podsandbox']));
    const all = histogramsOf('kubelet', parsePrometheusText(fixture('kubelet-1.34.4-end')));
    expect([...all.keys()].some((k) => k.startsWith('kubelet_pod_worker_duration_seconds'))).to.equal(true);
    const summary = runtimeMetricsOfCell([event(1, 'start', [start]), event(1, 'end', [end])]);
    const stop = timer(summary, 'kubelet_runtime_operations_duration_seconds', 'stop_container')!;
    expect(stop.count).to.equal(KUBELET_FIXTURE_PODS);
    expect(stop.p50Ms).to.be.greaterThan(0);
    expect(timer(summary, 'kubelet_runtime_operations_duration_seconds', 'stop_podsandbox')!.count).to.equal(KUBELET_FIXTURE_PODS);
    expect(timer(summary, 'kubelet_runtime_operations_duration_seconds', 'remove_container')).to.include({ count: 0, p99Ms: null });
    // Pod worker operations in the window: one "terminated" per deleted pod, and no "create" (the pods existed at the start).
    expect(timer(summary, 'kubelet_pod_worker_duration_seconds', 'terminated')!.count).to.equal(KUBELET_FIXTURE_PODS);
    expect(timer(summary, 'kubelet_pod_worker_duration_seconds', 'create')!.count).to.equal(0);
  });
});

describe('runtime metrics in compare: timers side by side', () => {
  it('pairs the timers observed on either side; a timer one side never observed has null there', () => {
    const start = scrapeOf('containerd', 'containerd', fixture('containerd-1.7.22-start'));
    const end = scrapeOf('containerd', 'containerd', fixture('containerd-1.7.22-end'));
    const baseline = runtimeMetricsOfCell([event(1, 'start', [start]), event(1, 'end', [end])]);
    const candidate = runtimeMetricsOfCell([event(1, 'start', [start]), event(1, 'end', [start])]);
    const pairs = pairTimers(baseline, candidate);
    // Observed only by the baseline (the candidate's window saw no stop); network deletes observed by neither are left out.
    expect(pairs.map((p) => p.metric)).to.not.include('containerd_cri_sandbox_delete_network_seconds');
    const stop = pairs.find((p) => p.metric === 'containerd_cri_container_stop_seconds')!;
    expect(stop.baseline!.count).to.equal(3);
    expect(stop.candidate).to.equal(null);
  });
});

/** Pods deleted between the two kubelet scrapes (see the fixtures' README). */
const KUBELET_FIXTURE_PODS = 3;

describe('runtime metrics while a cell runs: a source that answers before the first delete', () => {
  const kubeletText = fixture('kubelet-1.34.4-start');
  const containerdText = fixture('containerd-1.7.22-start');
  /** The scrapes the measurement records, in order. */
  const recordingContext = (endpoints: MetricsEndpoint[]) => {
    const recorded: MetricsScrapeEvent[] = [];
    const events = {
      pod: () => {
        throw new Error('no pod events here');
      },
      run: (kind: string, data?: Record<string, unknown>) => {
        expect(kind).to.equal('metrics-scrape');
        recorded.push(data as unknown as MetricsScrapeEvent);
        return { kind, mono: 0, wall: 0 } as never;
      },
    } as EventSink;
    const context: CellRunContext = { cellId: 'cell-01', rep: 1, events, metricsEndpoints: () => Promise.resolve(endpoints) };
    return { recorded, context };
  };
  const kubelet: MetricsEndpoint = { source: 'kubelet/n', kind: 'kubelet', fetch: () => Promise.resolve(kubeletText) };

  it("does not hold up the cell's start; its start scrape is recorded at the cell's end, before the end scrape", async () => {
    let answer: (text: string) => void = () => undefined;
    let asked = 0;
    const { recorded, context } = recordingContext([
      kubelet,
      {
        source: 'containerd/n',
        kind: 'containerd',
        startsBeforeDeletes: true,
        // The first question waits (the agent coming up); the end scrape's is answered at once.
        fetch: () => (++asked === 1 ? new Promise<string>((resolve) => (answer = resolve)) : Promise.resolve(containerdText)),
      },
    ]);
    await runtimeMetricsMeasurement.atCellStart!(context);
    // The cell went on while containerd's start scrape was still asked: nothing recorded yet, the question sent.
    expect(recorded).to.deep.equal([]);
    expect(asked).to.equal(1);
    answer(containerdText);
    await runtimeMetricsMeasurement.atCellEnd!(context);
    expect(recorded.map((e) => [e.phase, e.scrapes.map((s) => s.source).sort()])).to.deep.equal([
      ['start', ['containerd/n', 'kubelet/n']],
      ['end', ['containerd/n', 'kubelet/n']],
    ]);
    expect(recorded[0]!.scrapes.every((s) => s.samples && s.samples.length > 0)).to.equal(true);
  });

  it('records the start scrape at once when every source answers at the start', async () => {
    const { recorded, context } = recordingContext([kubelet]);
    await runtimeMetricsMeasurement.atCellStart!(context);
    expect(recorded.map((e) => e.phase)).to.deep.equal(['start']);
  });
});
