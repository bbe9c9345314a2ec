import { pairTimers } from '../measurements/runtime-metrics/deltas.js';
import { ALPHA, compareSamples, type ComparedSample } from '../stats/compare.js';
import { defaultBootstrap } from '../stats/bootstrap.js';
import { checkLimits, type ComparisonLimits } from '../stats/regression-limits.js';
import type { PodRecord } from '../results/pod-record.js';
import { ExitCode, InputError } from '../errors.js';
import type { CellSummary } from '../results/summary.js';
import { COMPARISON_SCHEMA_VERSION, type CellPairComparison, type ComparedCell, type Comparison } from '../results/comparison.js';
import type { RunAnalysis } from '../results/run-analysis.js';

export function sampleOf(records: readonly PodRecord[]): ComparedSample {
  return {
    latencyMs: records.flatMap((r) => (r.latencyMs === undefined ? [] : [r.latencyMs])),
    stops: records.filter((r) => r.phases['delete-sent'] !== undefined).length,
    stuck: records.filter((r) => r.outcome === 'stuck' || r.outcome === 'state-mismatch').length,
  };
}

function describe(runId: string, cell: CellSummary, samples: number): ComparedCell {
  return { runId, cell: cell.cell, name: cell.name, runtime: cell.runtime, samples };
}

function pairCells(base: RunAnalysis, baseCell: CellSummary, cand: RunAnalysis, candCell: CellSummary, limits: ComparisonLimits): CellPairComparison {
  const baseSample = sampleOf(base.records.filter((r) => r.cell === baseCell.cell));
  const candSample = sampleOf(cand.records.filter((r) => r.cell === candCell.cell));
  const result = compareSamples(baseSample, candSample);
  const baseline = describe(base.summary.runId, baseCell, baseSample.latencyMs.length);
  const candidate = describe(cand.summary.runId, candCell, candSample.latencyMs.length);
  return {
    baseline,
    candidate,
    basis: 'bootstrap',
    mannWhitney: result.mannWhitney,
    metrics: result.metrics,
    stuck: result.stuck,
    violations: checkLimits(`${candidate.cell} (${candidate.name})`, result.metrics, result.stuck, limits),
    ...(baseCell.runtimeMetrics || candCell.runtimeMetrics ? { runtimeTimers: pairTimers(baseCell.runtimeMetrics, candCell.runtimeMetrics) } : {}),
  };
}

export function finishComparison(
  mode: Comparison['mode'],
  latency: Comparison['latency'],
  pairs: CellPairComparison[],
  notes: string[],
  limits: ComparisonLimits,
  stats = { alpha: ALPHA, confidence: defaultBootstrap.confidence, resamples: defaultBootstrap.resamples },
): Comparison {
  for (const pair of pairs) {
    if (pair.metrics.length === 0) notes.push(`${pair.candidate.cell}: no measured ${latency} latencies on one side, so only stuck counts were compared.`);
  }
  const violations = pairs.flatMap((p) => p.violations);
  return {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    kind: 'podchurn-comparison',
    mode,
    latency,
    ...stats,
    limits,
    pairs,
    notes,
    violations,
    exitCode: violations.length ? ExitCode.gateFailed : ExitCode.ok,
  };
}

/**
 * Cells of two runs are matched by cell name (the matrix axes, stable across runs even when cell
 * numbering changes); two single-cell runs are matched to each other whatever their names.
 */
export function compareRuns(base: RunAnalysis, cand: RunAnalysis, limits: ComparisonLimits): Comparison {
  const latency = base.summary.primaryLatency.name;
  if (cand.summary.primaryLatency.name !== latency) {
    throw new InputError(
      `${base.summary.runId} (${base.summary.target} target) is judged ` +
        `by ${latency} latency and ${cand.summary.runId} ` +
        `(${cand.summary.target} target) by ${cand.summary.primaryLatency.name} latency; compare runs of the same target type.`,
    );
  }
  const notes: string[] = [];
  const baseCells = base.summary.cells;
  const candCells = cand.summary.cells;
  let pairs: [CellSummary, CellSummary][];
  if (baseCells.length === 1 && candCells.length === 1) {
    pairs = [[baseCells[0]!, candCells[0]!]];
  } else {
    pairs = baseCells.flatMap((b) => {
      const match = candCells.find((c) => c.name === b.name);
      return match ? [[b, match] as [CellSummary, CellSummary]] : [];
    });
    const matched = new Set(pairs.map(([b]) => b.name));
    for (const b of baseCells) if (!matched.has(b.name)) notes.push(`baseline cell ${b.cell} (${b.name}) has no cell of that name in the candidate run.`);
    for (const c of candCells)
      if (!baseCells.some((b) => b.name === c.name)) notes.push(`candidate cell ${c.cell} (${c.name}) has no cell of that name in the baseline run.`);
  }
  if (pairs.length === 0) {
    throw new InputError(
      `no cells to compare: ${base.summary.runId} has cells ` +
        `[${baseCells.map((c) => c.name).join('; ')}] and ${cand.summary.runId} has [${candCells.map((c) => c.name).join('; ')}]; cells are matched by name.`,
    );
  }
  for (const run of [base, cand])
    if (run.summary.status !== 'completed')
      notes.push(`run ${run.summary.runId} is ${run.summary.status}: its figures cover only what was measured before it stopped.`);
  return finishComparison(
    'runs',
    latency,
    pairs.map(([b, c]) => pairCells(base, b, cand, c, limits)),
    notes,
    limits,
  );
}

/** Cells within one run: the first named cell is the baseline, every other one a candidate. */
export function compareCells(run: RunAnalysis, cellIds: readonly string[], limits: ComparisonLimits): Comparison {
  const known = run.summary.cells;
  if (cellIds.length < 2)
    throw new InputError(`--cells needs at least two cells, e.g. --cells cell-01,cell-02; this run has ${known.map((c) => c.cell).join(', ')}.`);
  const cells = cellIds.map((id) => {
    const cell = known.find((c) => c.cell === id || c.name === id);
    if (!cell) throw new InputError(`--cells: run ${run.summary.runId} has no cell "${id}"; it has ${known.map((c) => `${c.cell} (${c.name})`).join(', ')}.`);
    return cell;
  });
  const [baseline, ...candidates] = cells;
  const notes =
    run.summary.status === 'completed'
      ? []
      : [`run ${run.summary.runId} is ${run.summary.status}: its figures cover only what was measured before it stopped.`];
  return finishComparison(
    'cells',
    run.summary.primaryLatency.name,
    candidates.map((c) => pairCells(run, baseline!, run, c, limits)),
    notes,
    limits,
  );
}
