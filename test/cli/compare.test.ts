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
    const result = await runCli(['compare', fixtureRunDir, '--cells', 'cell-02,cell-01', '--max-regression', 'p99=10%', '--markdown', md, '--json', json]);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.match(/p99 .* worse/);
    expect(result.stdout).to.include('Limits: 1 violated');
    expect(readFileSync(md, 'utf8')).to.include('**FAILED**');
    const comparison = JSON.parse(readFileSync(json, 'utf8')) as { kind: string; violations: unknown[]; exitCode: number };
    expect(comparison.kind).to.equal('podchurn-comparison');
    expect(comparison.violations).to.have.length(1);
  });

  it('exits 0 when the candidate is better, and 1 on --max-stuck', async () => {
    expect((await runCli(['compare', fixtureRunDir, '--cells', 'cell-01,cell-02', '--max-regression', 'p99=10%'])).code).to.equal(0);
    const stuck = await runCli(['compare', fixtureRunDir, '--cells', 'cell-02,cell-01', '--max-stuck', '1']);
    expect(stuck.code).to.equal(1);
    expect(stuck.stdout).to.include('stuck: measured 2, limit <= 1');
  });

  it('matches the single cells of two runs', async () => {
    const base = join(work, 'base');
    const cand = join(work, 'cand');
    writeSyntheticRun(base, synthesizeRun({ runId: 'base', podsPerCell: 40, seed: 1, cells: [{ containerd: '1.7.22', runc: '1.1.14', medianStopMs: 1000, stuckEvery: 0 }] }));
    writeSyntheticRun(cand, synthesizeRun({ runId: 'cand', podsPerCell: 40, seed: 2, cells: [{ containerd: '1.7.15', runc: '1.1.14', medianStopMs: 1400, stuckEvery: 0 }] }));
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

  it('records runs in the history, prints trends, writes the HTML chart and compares with the last runs', async () => {
    const db = join(work, 'history.db');
    const store = HistoryStore.open(db, { create: true });
    const summary = fixtureAnalysis().summary;
    for (let i = 0; i < 5; i++) {
      store.record({ ...summary, runId: `earlier-${i}`, startedAt: new Date(Date.UTC(2026, 10, 20 + i)).toISOString(), cells: summary.cells.map((c) => ({ ...c, latencyMs: c.latencyMs && { ...c.latencyMs, p50: c.latencyMs.p50 / 2, p95: c.latencyMs.p95 / 2, p99: c.latencyMs.p99 / 2 } })) });
    }
    expect(store.rows()).to.have.length(10);
    store.close();
    const html = join(work, 'history.html');
    const trend = await runCli(['history', db, '--scenario', 'cri-lost-exit', '--html', html]);
    expect(trend.code, trend.stderr).to.equal(0);
    expect(trend.stdout).to.include('cri-lost-exit / runtime.containerd=1.7.15 (5 run(s))');
    expect(readFileSync(html, 'utf8')).to.include('id="trend-1"');
    const compared = await runCli(['compare-history', db, fixtureRunDir, '--last', '5', '--max-regression', 'p50=10%']);
    expect(compared.code, compared.stderr).to.equal(1);
    expect(compared.stdout).to.include('median of the last runs');
    const viaCompare = await runCli(['compare', fixtureRunDir, '--history', db, '--last', '5']);
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
