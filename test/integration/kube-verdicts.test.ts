import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Comparison } from '../../src/results/comparison.js';
import type { RunSummary } from '../../src/results/summary.js';
import { runCli } from '../helpers/cli.js';
import { writeGracefulKubeScenario } from '../helpers/kube-run-checks.js';
import { KUBERNETES_KEY, provisionStoreKeys } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';

/**
 * What an upgrade pipeline on Kubernetes gates on, end to end on a real single-node cluster (etcd,
 * kube-apiserver, controllers, kubelet, containerd): gates, compare, --max-regression, the history
 * and junit.xml all read deletion latency, the primary latency of a kube run.
 */
describe('verdicts on a kube target read deletion latency (local cluster)', function () {
  this.timeout(600_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-verdicts-'));
  const cluster = 'pc-verdicts';
  const history = join(work, 'history.db');
  // SIGTERM ignored, so each deletion takes the grace period plus the kubelet's own work (1-3 s on an idle
  // machine, 12 s at p99 with 100 pods on a 2-core one at load 25): 1 s in the clean run, 30 s in the slow one;
  // the gate sits between them with room for that load.
  const scenario = () =>
    writeGracefulKubeScenario(
      work,
      'verdicts',
      { provider: 'local', name: cluster },
      { pods: 100, batchSize: 100, concurrency: 50, gracePeriodSeconds: 1, slackSeconds: 30, gates: { maxP99Ms: 20_000, maxStuck: 0 } },
    );
  const run = async (label: string, extra: string[]) => {
    const reports = join(work, label);
    const result = await runCli(['run', scenario(), '--reports-dir', reports, '--history', history, ...extra]);
    const dir = runDirOf(reports);
    return { result, dir, summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary };
  };

  before(provisionStoreKeys(KUBERNETES_KEY));
  before(async () => {
    const up = await runCli(['cluster', 'up', '--provider', 'local', '--name', cluster, '--runtime-request-timeout', '30']);
    expect(up.code, up.stderr).to.equal(0);
  });
  after(async () => {
    const down = await runCli(['cluster', 'down', '--provider', 'local', '--name', cluster]);
    expect(down.code, down.stderr).to.equal(0);
  });

  it('a gate on the primary latency passes a clean run and fails a slow one; compare, history and junit.xml carry deletion latency', async () => {
    const clean = await run('clean', []);
    expect(clean.result.code, clean.result.stderr).to.equal(0);
    expect(clean.summary.primaryLatency.name).to.equal('deletion');
    const cleanCell = clean.summary.cells[0]!;
    expect(cleanCell.latencyMs!.count).to.equal(100);
    expect(cleanCell.latencyMs!.p50).to.be.within(1000, 20_000);
    expect(cleanCell.stopLatencyMs, 'kube pods have no CRI stop latency').to.equal(null);
    expect(cleanCell.gates.find((g) => g.gate === 'maxP99Ms')).to.include({ passed: true });

    const slow = await run('slow', ['--set', 'gracePeriodSeconds=30']);
    expect(slow.result.code, 'the p99 gate fails the slow run').to.equal(1);
    const slowCell = slow.summary.cells[0]!;
    expect(slowCell.latencyMs!.p50).to.be.at.least(30_000);
    expect(slowCell.outcomes.ok).to.equal(100);
    const gate = slowCell.gates.find((g) => g.gate === 'maxP99Ms')!;
    expect(gate.passed).to.equal(false);
    expect(gate.measured).to.equal(slowCell.latencyMs!.p99);

    const junit = readFileSync(join(slow.dir, 'junit.xml'), 'utf8');
    expect(junit).to.include('<property name="latency" value="deletion"/>');
    expect(junit).to.include(`<property name="deletion.p99.ms" value="${slowCell.latencyMs!.p99}"/>`);
    expect(junit).to.match(/<testcase name="maxP99Ms"[^>]*>\s*<failure message="maxP99Ms: measured/);

    const comparisonFile = join(work, 'comparison.json');
    const compared = await runCli(['compare', clean.dir, slow.dir, '--max-regression', 'p50=10%', '--max-regression', 'p99=10%', '--json', comparisonFile]);
    expect(compared.code, compared.stderr).to.equal(1);
    const comparison = JSON.parse(readFileSync(comparisonFile, 'utf8')) as Comparison;
    expect(comparison.latency).to.equal('deletion');
    const [pair] = comparison.pairs;
    // 100 pods a side: enough for a p99 verdict (below 100, p99 is each run's slowest pod, whose
    // bootstrap interval is not at its stated confidence: docs/REPORTS.md).
    expect(pair!.metrics.map((m) => [m.metric, m.verdict])).to.deep.equal([
      ['p50', 'worse'],
      ['p95', 'worse'],
      ['p99', 'worse'],
    ]);
    expect(pair!.stuck.verdict).to.equal('no significant change');
    expect(comparison.violations.map((v) => v.metric)).to.deep.equal(['p50', 'p99']);
    expect(compared.stdout).to.include('deletion p99');

    const trend = await runCli(['history', history, '--scenario', 'verdicts']);
    expect(trend.code, trend.stderr).to.equal(0);
    expect(trend.stdout).to.include('deletion p50 ms');
    expect(trend.stdout).to.include(clean.summary.runId);
    expect(trend.stdout).to.include(slow.summary.runId);
  });
});
