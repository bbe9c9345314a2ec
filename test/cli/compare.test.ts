import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../src/results/history.js';
import { runCli } from '../helpers/cli.js';
import { fixtureAnalysis, fixtureRunDir } from '../helpers/fixture-run.js';
import { synthesizeRun, writeSyntheticRun } from '../helpers/synthetic-run.js';

describe('podchurn compare, history and report through the CLI', function () {
  this.timeout(120_000);
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'podchurn-compare-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('exits 1 when a cell regresses beyond --max-regression, and writes Markdown and JSON', async () => {
    const md = join(work, 'cmp.md');
    const json = join(work, 'cmp.json');
    // The fixture's cells have 24 and 22 pods: p95 can be judged, p99 is each cell's slowest pod and is not.
    const result = await runCli([
      'compare',
      fixtureRunDir,
      '--cells',
      'cell-02,cell-01',
      '--max-regression',
      'p95=10%',
      '--max-regression',
      'p99=10%',
      '--markdown',
      md,
      '--json',
      json,
    ]);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.match(/p95 .* worse/);
    expect(result.stdout).to.match(/p99 .* too few samples/);
    expect(result.stdout).to.include('Limits: 1 violated');
    expect(readFileSync(md, 'utf8')).to.include('**FAILED**');
    const comparison = JSON.parse(readFileSync(json, 'utf8')) as { kind: string; violations: unknown[]; exitCode: number };
    expect(comparison.kind).to.equal('podchurn-comparison');
    expect(comparison.violations).to.have.length(1);
  });

  it('exits 0 when the candidate is better, and 1 on --max-stuck', async () => {
    expect((await runCli(['compare', fixtureRunDir, '--cells', 'cell-01,cell-02', '--max-regression', 'p95=10%'])).code).to.equal(0);
    const stuck = await runCli(['compare', fixtureRunDir, '--cells', 'cell-02,cell-01', '--max-stuck', '1']);
    expect(stuck.code).to.equal(1);
    expect(stuck.stdout).to.include('stuck: measured 2, limit <= 1');
  });

  it('matches the single cells of two runs', async () => {
    const base = join(work, 'base');
    const cand = join(work, 'cand');
    writeSyntheticRun(
      base,
      synthesizeRun({ runId: 'base', podsPerCell: 40, seed: 1, cells: [{ containerd: '1.7.22', runc: '1.1.14', medianStopMs: 1000, stuckEvery: 0 }] }),
    );
    writeSyntheticRun(
      cand,
      synthesizeRun({ runId: 'cand', podsPerCell: 40, seed: 2, cells: [{ containerd: '1.7.15', runc: '1.1.14', medianStopMs: 1400, stuckEvery: 0 }] }),
    );
    const result = await runCli(['compare', base, cand, '--max-regression', 'p50=10%']);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.include('1.7.22/1.1.14  1.7.15/1.1.14');
  });

  it('exits 2 with a clear message for bad arguments', async () => {
    for (const [args, message] of [
      [['compare', fixtureRunDir, '--max-regression', 'p42=10%'], /p50, p95, p99/],
      [['compare', fixtureRunDir], /needs two run directories/],
      [['compare', fixtureRunDir, '--cells', 'cell-01,cell-09'], /no cell "cell-09"/],
      [['compare', fixtureRunDir, '--cells', 'cell-01,cell-02', '--max-stuck', 'many'], /--max-stuck/],
      [['compare', '/nonexistent', fixtureRunDir], /not a podchurn run directory/],
      [['history', join(work, 'missing.db')], /cannot open the history database/],
    ] as const) {
      const result = await runCli(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(2);
      expect(result.stderr).to.match(message);
      expect(result.stderr).not.to.include('    at ');
    }
  });

  it('flags a tail-only regression (p99 up, median unchanged) at p99 and not at p50', async () => {
    const base = join(work, 'tail-base');
    const cand = join(work, 'tail-cand');
    const cell = { containerd: '1.7.22', runc: '1.1.14', medianStopMs: 1000, stuckEvery: 0 };
    writeSyntheticRun(base, synthesizeRun({ runId: 'tail-base', podsPerCell: 1000, seed: 3, cells: [cell] }));
    // Same draws, but every stop beyond the distribution's 97th percentile (1,000 ms x e^(0.08 x 1.881)) takes three
    // times as long: p50 and p95 are the very same pods, p99 triples.
    writeSyntheticRun(cand, synthesizeRun({ runId: 'tail-cand', podsPerCell: 1000, seed: 3, cells: [{ ...cell, tail: { aboveMs: 1162, factor: 3 } }] }));
    const json = join(work, 'tail.json');
    const result = await runCli(['compare', base, cand, '--max-regression', 'p99=50%', '--max-regression', 'p50=1%', '--json', json]);
    expect(result.code, result.stderr).to.equal(1);
    const comparison = JSON.parse(readFileSync(json, 'utf8')) as {
      pairs: { metrics: { metric: string; verdict: string }[] }[];
      violations: { metric: string }[];
    };
    expect(Object.fromEntries(comparison.pairs[0]!.metrics.map((m) => [m.metric, m.verdict]))).to.deep.equal({
      p50: 'no significant change',
      p95: 'no significant change',
      p99: 'worse',
    });
    expect(comparison.violations.map((v) => v.metric)).to.deep.equal(['p99']);
    expect(result.stdout).to.include('each row on its own');
  });

  it('records runs in the history, prints trends, and gives history verdicts only with enough earlier runs', async () => {
    const db = join(work, 'history.db');
    const store = HistoryStore.open(db, { create: true });
    const summary = fixtureAnalysis().summary;
    // Earlier runs at about half the fixture's latencies, spread so that they are not all equal.
    const earlier = (i: number) => {
      const scale = 0.45 + 0.01 * (i % 10);
      return {
        ...summary,
        runId: `earlier-${String(i).padStart(2, '0')}`,
        startedAt: new Date(Date.UTC(2026, 9, 1 + i)).toISOString(),
        cells: summary.cells.map((c) => ({
          ...c,
          latencyMs: c.latencyMs && { ...c.latencyMs, p50: c.latencyMs.p50 * scale, p95: c.latencyMs.p95 * scale, p99: c.latencyMs.p99 * scale },
        })),
      };
    };
    for (let i = 0; i < 5; i++) store.record(earlier(i));
    expect(store.rows()).to.have.length(10);
    store.close();
    const html = join(work, 'history.html');
    const trend = await runCli(['history', db, '--scenario', 'cri-lost-exit', '--html', html]);
    expect(trend.code, trend.stderr).to.equal(0);
    expect(trend.stdout).to.include('cri-lost-exit / runtime.containerd=1.7.15 (5 run(s))');
    expect(readFileSync(html, 'utf8')).to.include('id="trend-1"');

    // Five earlier runs: the candidate is above all of them, yet no verdict at alpha = 0.05 and no limit fires.
    const few = await runCli(['compare-history', db, fixtureRunDir, '--last', '5', '--max-regression', 'p50=10%']);
    expect(few.code, few.stderr).to.equal(0);
    expect(few.stdout).to.match(/p50 .* not enough history/);
    expect(few.stdout).not.to.match(/p50 .* (worse|no significant change)/);
    expect(few.stdout).to.include('needs at least 39 earlier runs');

    const more = HistoryStore.open(db, { create: false });
    for (let i = 5; i < 40; i++) more.record(earlier(i));
    more.close();
    const compared = await runCli(['compare-history', db, fixtureRunDir, '--max-regression', 'p50=10%']);
    expect(compared.code, compared.stderr).to.equal(1);
    expect(compared.stdout).to.include('median of the last N runs');
    expect(compared.stdout).to.match(/p50 .* worse/);
    expect(compared.stdout).not.to.match(/p\d\d .* not enough history/);
    const viaCompare = await runCli(['compare', fixtureRunDir, '--history', db, '--last', '39']);
    expect(viaCompare.code, viaCompare.stderr).to.equal(0);
    expect(viaCompare.stdout).to.match(/p50 .* worse/);
  });

  it('podchurn report writes report.md, report.html and junit.xml into the run directory', async () => {
    const copy = join(work, 'run');
    cpSync(fixtureRunDir, copy, { recursive: true });
    const result = await runCli(['report', copy]);
    expect(result.code).to.equal(1);
    for (const file of ['summary.json', 'report.md', 'report.html', 'junit.xml']) expect(existsSync(join(copy, file)), file).to.equal(true);
  });
});
