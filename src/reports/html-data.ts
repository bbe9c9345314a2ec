import type { PodEventKind } from '../engine/events.js';
import type { PodRecord } from '../results/pod-record.js';
import type { RunAnalysis } from '../results/run-analysis.js';

/** Points per cell in the ECDF; above this the curve is sampled at evenly spaced ranks (max kept). */
const MAX_ECDF_POINTS = 1500;
/** Pods whose outcome is not ok that the waterfall shows (slowest first), and normal pods shown beside them. */
export const WATERFALL_PODS = 20;
export const WATERFALL_NORMAL_SAMPLE = 5;

export interface WaterfallPod {
  pod: string;
  cell: string;
  outcome: string;
  /** ms after delete-sent: [stop end (kube: containers terminated), removed, gone]; null where the phase never came. */
  stopEnd: number | null;
  stopFailed: boolean;
  removed: number | null;
  gone: number | null;
  /** Last thing seen for the pod, ms after delete-sent (the bar's end when it never went away). */
  last: number;
  /** CRI: the runtime's exit event (GetContainerEvents) arrived, ms after delete-sent; null when it did not. */
  exitEvent: number | null;
  /** CRI: the stream was served for the pod's cell and no exit event came ("StopContainer sent, no exit event"). */
  exitMissing: boolean;
  /**
   * kube, a cluster whose containerd log the run copied: the runtime's own lines, ms after delete-sent (the node's and
   * podchurn's wall clocks): StopContainer arrived, returned (or failed: `stopFailed`), StopPodSandbox returned.
   */
  runtime: { stopReceived: number | null; stopEnded: number | null; stopFailed: boolean; sandboxStopped: number | null } | null;
  /** Shown because its outcome is not ok (stuck, slow, lost exit, ...), or as one of a few normal pods for comparison. */
  shown: 'not ok' | 'normal sample';
}

export interface ChartData {
  /** What the latency charts plot: StopContainer latency (cri) or pod deletion latency (kube). */
  latency: { title: string; unit: string };
  cells: string[];
  ecdf: { cell: string; x: number[]; y: number[] }[];
  percentiles: { p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] };
  outcomes: { names: string[]; counts: number[][] };
  waterfall: WaterfallPod[];
}

/** Everything the charts of report.html draw, computed once on the Node side. */
export function buildChartData({ summary, records }: RunAnalysis): ChartData {
  const cells = summary.cells.map((c) => c.cell);
  const byCell = new Map<string, number[]>(cells.map((c) => [c, []]));
  for (const record of records) {
    if (record.latencyMs !== undefined) byCell.get(record.cell)?.push(record.latencyMs);
  }
  const stats = (cell: (typeof summary.cells)[number]) => cell.latencyMs;
  const { name } = summary.primaryLatency;
  const outcomeNames = Object.keys(summary.cells[0]?.outcomes ?? {});
  return {
    latency: { title: `${name[0]!.toUpperCase()}${name.slice(1)} latency`, unit: `${name}s` },
    cells,
    ecdf: cells.map((cell) => ({ cell, ...ecdf(byCell.get(cell) ?? []) })),
    percentiles: {
      p50: summary.cells.map((c) => stats(c)?.p50 ?? null),
      p95: summary.cells.map((c) => stats(c)?.p95 ?? null),
      p99: summary.cells.map((c) => stats(c)?.p99 ?? null),
    },
    outcomes: {
      names: outcomeNames,
      counts: outcomeNames.map((name) => summary.cells.map((c) => c.outcomes[name as keyof typeof c.outcomes])),
    },
    waterfall: waterfallPods(
      records,
      new Set(summary.cells.filter((c) => c.stopWaterfall?.exitEvents === 'streamed').map((c) => c.cell)),
      WATERFALL_PODS,
      WATERFALL_NORMAL_SAMPLE,
    ),
  };
}

function ecdf(samples: number[]): { x: number[]; y: number[] } {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const x: number[] = [];
  const y: number[] = [];
  const step = Math.max(1, n / MAX_ECDF_POINTS);
  for (let k = step; k < n + step; k += step) {
    const rank = Math.min(n, Math.round(k));
    x.push(round(sorted[rank - 1]!));
    y.push(rank / n);
    if (rank === n) break;
  }
  return { x, y };
}

const phase = (record: PodRecord, kind: PodEventKind) => record.phases[kind];

/**
 * The pods the waterfall shows: every pod whose outcome is not ok (stuck, slow, lost exit, ...), slowest
 * first, up to `notOkCount`, and beside them up to `normalCount` ok pods at evenly spaced ranks of their
 * time to gone (fastest to slowest), so a slow pod's phases can be read against normal ones.
 * `streamedCells` are the cells whose runtime served the exit events: only there is a missing one news.
 */
export function waterfallPods(records: readonly PodRecord[], streamedCells: ReadonlySet<string>, notOkCount: number, normalCount: number): WaterfallPod[] {
  const notOk: WaterfallPod[] = [];
  const normal: WaterfallPod[] = [];
  for (const record of records) {
    const start = phase(record, 'delete-sent');
    if (start === undefined) continue;
    const rel = (value: number | undefined) => (value === undefined ? null : round(value - start));
    // kube pods have no StopContainer of their own: their stop ends when the watch shows the containers terminated.
    const stopEnd = rel(phase(record, 'stop-returned') ?? phase(record, 'terminated') ?? phase(record, 'stop-failed'));
    let last = 0;
    for (const mono of Object.values(record.phases)) last = Math.max(last, mono === undefined ? 0 : round(mono - start));
    const exitEvent = rel(phase(record, 'exit-event'));
    const sentWall = record.wall['delete-sent'];
    const relWall = (value: number | undefined) => (value === undefined || sentWall === undefined ? null : round(value - sentWall));
    const log = record.runtimeLog;
    const pod: Omit<WaterfallPod, 'shown'> = {
      pod: record.pod,
      cell: record.cell,
      outcome: record.outcome,
      stopEnd,
      stopFailed: phase(record, 'stop-failed') !== undefined,
      removed: rel(phase(record, 'removed')),
      gone: rel(phase(record, 'gone')),
      last,
      exitEvent,
      exitMissing: exitEvent === null && streamedCells.has(record.cell),
      runtime: log
        ? {
            stopReceived: relWall(log.container.stopReceived),
            stopEnded: relWall(log.container.stopReturned ?? log.container.stopFailed),
            stopFailed: log.container.stopReturned === undefined && log.container.stopFailed !== undefined,
            sandboxStopped: relWall(log.sandbox.stopReturned),
          }
        : null,
    };
    if (record.outcome === 'ok') normal.push({ ...pod, shown: 'normal sample' });
    else notOk.push({ ...pod, shown: 'not ok' });
  }
  const neverGone = (p: WaterfallPod) => (p.gone === null ? 1 : 0);
  const slowestFirst = (a: WaterfallPod, b: WaterfallPod) =>
    neverGone(b) - neverGone(a) || (b.gone ?? b.last) - (a.gone ?? a.last) || a.pod.localeCompare(b.pod);
  const picks = new Set<number>();
  const take = Math.min(normalCount, normal.length);
  for (let k = 0; k < take; k++) picks.add(take === 1 ? 0 : Math.round((k * (normal.length - 1)) / (take - 1)));
  // Selected, not sorted: on 100,000 pods sorting them all was most of report.html's time.
  return [
    ...firstInOrder(notOk, notOkCount, slowestFirst),
    ...atRanks(
      normal,
      [...picks].sort((a, b) => a - b),
      slowestFirst,
    ),
  ];
}

/** The first `count` of `items` in `compare` order, the ones a stable sort then slice(0, count) gives. */
function firstInOrder<T>(items: readonly T[], count: number, compare: (a: T, b: T) => number): T[] {
  const kept: T[] = [];
  if (count <= 0) return kept;
  for (const item of items) {
    if (kept.length === count && compare(item, kept[count - 1]!) >= 0) continue;
    // After the ones it equals, as a stable sort leaves them.
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compare(item, kept[mid]!) < 0) high = mid;
      else low = mid + 1;
    }
    kept.splice(low, 0, item);
    if (kept.length > count) kept.pop();
  }
  return kept;
}

/**
 * The pods at `ranks` (ascending) of the slowest-first order (never gone first, then the latest gone or
 * last phase, then by name, as a stable sort leaves equals): the time keys sorted as numbers, names
 * compared only among pods of the same time. With many ranks, or a time that is not a number (placed
 * only by sort() itself), all are sorted.
 */
function atRanks(pods: readonly WaterfallPod[], ranks: readonly number[], slowestFirst: (a: WaterfallPod, b: WaterfallPod) => number): WaterfallPod[] {
  const time = (p: WaterfallPod) => p.gone ?? p.last;
  if (ranks.length > 16 || pods.some((p) => Number.isNaN(time(p)))) {
    const sorted = [...pods].sort(slowestFirst);
    return ranks.map((rank) => sorted[rank]!);
  }
  const neverGone = pods.filter((p) => p.gone === null);
  const gone = pods.filter((p) => p.gone !== null);
  const groups = [neverGone, gone].map((group) => ({ group, latestFirst: Float64Array.from(group, (p) => -time(p)).sort() }));
  return ranks.map((rank) => {
    const { group, latestFirst } = rank < neverGone.length ? groups[0]! : groups[1]!;
    const at = rank < neverGone.length ? rank : rank - neverGone.length;
    const value = latestFirst[at]!;
    let first = at;
    while (first > 0 && latestFirst[first - 1] === value) first--;
    // Array.prototype.sort is stable: pods of the same time keep their order, as in a sort of all.
    return group.filter((p) => -time(p) === value).sort(slowestFirst)[at - first]!;
  });
}

const round = (value: number) => Math.round(value * 10) / 10;
