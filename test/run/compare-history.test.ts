import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../src/results/history.js';
import type { RunSummary } from '../../src/results/summary.js';
import { compareWithHistory, MIN_HISTORY_RUNS } from '../../src/run/compare-history.js';
import { fixtureAnalysis } from '../helpers/fixture-run.js';

describe('compare with history (rank test)', () => {
  let work: string;
  let store: HistoryStore;
  const analysis = fixtureAnalysis();
  /** Earlier run i with every percentile scaled by `scale(i)`. */
  const earlier = (i: number, scale: number): RunSummary => ({
    ...analysis.summary,
    runId: `earlier-${String(i).padStart(2, '0')}`,
    startedAt: new Date(Date.UTC(2026, 8, 1, i)).toISOString(),
    cells: analysis.summary.cells.map((c) => ({
      ...c,
      latencyMs: c.latencyMs && { ...c.latencyMs, p50: c.latencyMs.p50 * scale, p95: c.latencyMs.p95 * scale, p99: c.latencyMs.p99 * scale },
    })),
  });
  const limits = { regressions: [{ metric: 'p50' as const, maxIncrease: 0.1 }] };

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'podchurn-history-rank-'));
    store = HistoryStore.open(join(work, 'history.db'), { create: true });
  });
  afterEach(() => {
    store.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('needs 39 earlier runs at alpha = 0.05', () => {
    expect(MIN_HISTORY_RUNS).to.equal(39);
  });

  it('says "not enough history" per cell when fewer runs exist than --last asks for, and no limit fires', () => {
    for (let i = 0; i < 10; i++) store.record(earlier(i, 0.5));
    const comparison = compareWithHistory(store, analysis, 39, limits);
    for (const pair of comparison.pairs)
      expect(pair.metrics.map((m) => m.verdict)).to.deep.equal(['not enough history', 'not enough history', 'not enough history']);
    expect(comparison.notes.filter((n) => n.includes('not enough history: 10 earlier run(s)'))).to.have.length(analysis.summary.cells.length);
    expect(comparison.violations).to.have.length(0);
    expect(comparison.exitCode).to.equal(0);
  });

  it('calls a run above all of 39 earlier runs worse and fails the limit; one inside them is no change', () => {
    for (let i = 0; i < 39; i++) store.record(earlier(i, 0.5 + 0.01 * i));
    const above = compareWithHistory(store, analysis, 39, limits);
    expect(above.notes).to.deep.equal([]);
    for (const pair of above.pairs) {
      expect(pair.basis).to.equal('history-rank');
      expect(pair.metrics.map((m) => m.verdict)).to.deep.equal(['worse', 'worse', 'worse']);
      expect(pair.metrics[0]!.p).to.be.closeTo(2 / 40, 1e-12);
    }
    expect(above.violations.map((v) => v.metric)).to.deep.equal(analysis.summary.cells.map(() => 'p50'));

    // Earlier runs spread around the candidate's own figures (0.8x .. 1.18x): it ranks in the middle.
    const middle = HistoryStore.open(join(work, 'middle.db'), { create: true });
    for (let i = 0; i < 39; i++) middle.record(earlier(i, 0.8 + 0.01 * i));
    const inside = compareWithHistory(middle, analysis, 39, limits);
    middle.close();
    for (const pair of inside.pairs)
      expect(pair.metrics.map((m) => m.verdict)).to.deep.equal(['no significant change', 'no significant change', 'no significant change']);
    expect(inside.violations).to.have.length(0);
  });
});
