import { outcomes } from '../results/pod-record.js';
import type { RunAnalysis } from '../results/run-analysis.js';
import type { CellSummary } from '../results/summary.js';

/**
 * The run's figures as metric families, one model for both texts podchurn writes: metrics.prom
 * (OpenMetrics) and the body pushed to a Pushgateway (Prometheus text format 0.0.4, the one it parses).
 * Names follow OpenMetrics: a `podchurn_` prefix, the unit at the end of the name, counters' samples
 * end in `_total` (added by the writer, not part of `name`).
 */
export type MetricType = 'counter' | 'gauge' | 'summary' | 'info';

export interface MetricSample {
  /** Appended to the family name: '' for gauges, '_total' for counters, '_sum', '_count' or '' for summary parts, '_info' for info. */
  suffix: string;
  labels: readonly (readonly [string, string])[];
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  /** OpenMetrics unit; the name ends in `_<unit>` whenever it is set. */
  unit?: 'seconds';
  help: string;
  samples: MetricSample[];
}

type Labels = (readonly [string, string])[];

/** Every family of a run, samples of all its cells together (OpenMetrics wants a family's samples in one block). */
export function runMetricFamilies({ summary, records }: RunAnalysis): MetricFamily[] {
  const run: Labels = [
    ['scenario', summary.scenario],
    ['target', summary.target],
  ];
  const latency = summary.primaryLatency.name;
  const family = (name: string, type: MetricType, help: string, unit?: 'seconds'): MetricFamily => ({
    name,
    type,
    help,
    samples: [],
    ...(unit ? { unit } : {}),
  });
  const families = {
    runInfo: family('podchurn_run', 'info', 'The run these figures come from: run id, status and primary latency.'),
    runExit: family(
      'podchurn_run_exit_code',
      'gauge',
      'podchurn exit code of the run: 0 gates passed, 1 a gate failed or leftovers, 3 infrastructure, 130 interrupted.',
    ),
    runDuration: family('podchurn_run_duration_seconds', 'gauge', 'Wall time of the whole run.', 'seconds'),
    runFinished: family('podchurn_run_finished_timestamp_seconds', 'gauge', 'When the run finished, seconds since the Unix epoch.', 'seconds'),
    leaked: family('podchurn_leaked_objects', 'gauge', 'Objects labelled with the run id still present after cleanup and teardown.'),
    latency: family(
      `podchurn_${latency}_latency_seconds`,
      'summary',
      `Primary latency (${latency}) per cell: nearest-rank quantiles over measured completions; quantile 1 is the maximum; _sum and _count over the ` +
        `same samples.`,
      'seconds',
    ),
    excluded: family('podchurn_latency_excluded', 'counter', 'Deletions that ended without a latency sample, by reason.'),
    pods: family('podchurn_pods', 'counter', 'Pods by outcome (every pod has exactly one).'),
    stops: family('podchurn_stops', 'counter', 'Stops sent (StopContainer on cri, DELETE on kube).'),
    stuckRate: family('podchurn_stuck_per_1000_stops', 'gauge', 'Stops that never returned (DEADLINE_EXCEEDED) per 1,000 stops sent.'),
    mismatchRate: family('podchurn_state_mismatch_per_1000_stops', 'gauge', 'Stops followed by a state mismatch (a lost exit) per 1,000 stops sent.'),
    unverified: family('podchurn_state_unverified', 'counter', 'Stops after which CRI said RUNNING but the task pid could not be read.'),
    signatures: family('podchurn_log_signatures', 'counter', 'Runtime log lines matching a catalog signature, attributed to pods of the cell.'),
    gates: family('podchurn_gate_passed', 'gauge', 'Gate result per cell: 1 passed, 0 failed (a gate with nothing to measure fails).'),
  };

  families.runInfo.samples.push({
    suffix: '_info',
    labels: [...run, ['run_id', summary.runId], ['status', summary.status], ['primary_latency', latency]],
    value: 1,
  });
  families.runExit.samples.push({ suffix: '', labels: run, value: summary.exitCode });
  families.runDuration.samples.push({ suffix: '', labels: run, value: seconds(summary.durationMs) });
  const finished = Date.parse(summary.finishedAt);
  if (Number.isFinite(finished)) families.runFinished.samples.push({ suffix: '', labels: run, value: finished / 1000 });
  families.leaked.samples.push({ suffix: '', labels: run, value: summary.leakCheck.leaked.length });

  for (const cell of summary.cells) {
    const labels = [...run, ...cellLabels(cell)];
    const stats = cell.latencyMs;
    if (stats) {
      for (const [quantile, ms] of [
        ['0.5', stats.p50],
        ['0.95', stats.p95],
        ['0.99', stats.p99],
        ['1', stats.max],
      ] as const) {
        families.latency.samples.push({ suffix: '', labels: [...labels, ['quantile', quantile]], value: seconds(ms) });
      }
    }
    // The exact sum of the cell's samples (the Pushgateway would otherwise expose a summary's _sum as 0).
    const sumMs = records.reduce((sum, r) => (r.cell === cell.cell && r.latencyMs !== undefined ? sum + r.latencyMs : sum), 0);
    families.latency.samples.push({ suffix: '_sum', labels, value: seconds(sumMs) }, { suffix: '_count', labels, value: stats?.count ?? 0 });
    families.excluded.samples.push(
      { suffix: '_total', labels: [...labels, ['reason', 'failed-stop']], value: cell.latencyExcluded.failedStops },
      { suffix: '_total', labels: [...labels, ['reason', 'inferred-deletion']], value: cell.latencyExcluded.inferredDeletions },
    );
    for (const outcome of outcomes)
      families.pods.samples.push({ suffix: '_total', labels: [...labels, ['outcome', outcome]], value: cell.outcomes[outcome] ?? 0 });
    families.stops.samples.push({ suffix: '_total', labels, value: cell.per1000Stops.stops });
    families.stuckRate.samples.push({ suffix: '', labels, value: cell.per1000Stops.stuck });
    families.mismatchRate.samples.push({ suffix: '', labels, value: cell.per1000Stops.stateMismatch });
    families.unverified.samples.push({ suffix: '_total', labels, value: cell.stateUnverified });
    for (const [signature, count] of Object.entries(cell.signatures).sort(([a], [b]) => a.localeCompare(b))) {
      families.signatures.samples.push({ suffix: '_total', labels: [...labels, ['signature', signature]], value: count });
    }
    for (const gate of cell.gates) families.gates.samples.push({ suffix: '', labels: [...labels, ['gate', gate.gate]], value: gate.passed ? 1 : 0 });
  }
  return Object.values(families).filter((f) => f.samples.length > 0);
}

/** Milliseconds as seconds, kept to the microsecond (ms / 1000 alone prints binary noise such as 1.7130999999999998). */
const seconds = (ms: number) => Math.round(ms * 1000) / 1e6;

/**
 * A cell's labels: its id, the runtime versions measured while it ran (as in summary.json), and one
 * `axis_<path in snake_case>` label per matrix axis, so a dashboard can select e.g. axis_workload_on_sigterm="ignore".
 */
export function cellLabels(cell: CellSummary): Labels {
  const labels: Labels = [
    ['cell', cell.cell],
    ['containerd_version', cell.runtime.containerd],
    ['runc_version', cell.runtime.runc],
    ['cri_runtime_version', cell.runtime.criRuntimeVersion],
  ];
  const taken = new Set(labels.map(([name]) => name));
  for (const [path, value] of Object.entries(cell.axes)) {
    // snake_case, as Prometheus label names are written: execProbe.command -> axis_exec_probe_command.
    const base = `axis_${path
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9_]/g, '_')
      .toLowerCase()}`;
    let name = base;
    // Two paths that differ only in characters a label name cannot hold keep apart by a number.
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    labels.push([name, axisLabelValue(value)]);
  }
  return labels;
}

/** An axis value as a label value: strings exactly as written (the writer escapes them), lists of strings joined with " + ", anything else as JSON. */
function axisLabelValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(' + ');
  return JSON.stringify(value) ?? String(value);
}

/** Label names the families use: a Pushgateway grouping label must not be one of them (its value would clash). */
export function isPodchurnLabel(name: string): boolean {
  return podchurnLabelNames.has(name) || name.startsWith('axis_');
}

const podchurnLabelNames = new Set([
  'scenario',
  'target',
  'run_id',
  'status',
  'primary_latency',
  'cell',
  'containerd_version',
  'runc_version',
  'cri_runtime_version',
  'quantile',
  'reason',
  'outcome',
  'signature',
  'gate',
]);
