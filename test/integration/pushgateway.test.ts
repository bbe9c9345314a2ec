import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RunDirectory } from '../../src/results/run-directory.js';
import type { RunSummary } from '../../src/results/summary.js';
import { analyzeRun } from '../../src/run/analyze-run.js';
import { planPush, pushRunMetrics } from '../../src/run/push-metrics.js';
import { runCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { ensurePrometheusBinaries, freePort, type PromSeries, PrometheusStack } from '../helpers/prometheus-stack.js';
import { PROVISION_TIMEOUT_MS } from '../helpers/provision.js';
import { writeScenario } from '../helpers/scenario.js';

/** An axis value a label value must escape: quotes, backslashes and a line feed (the probe only echoes it). */
const awkward = 'say "hi" \\ C:\\temp\nsecond line';

/** A series as name + labels, without what the scrape adds (job, instance) or the grouping label. */
function identity(series: PromSeries): string {
  const { job: _job, instance: _instance, pipeline: _pipeline, ...labels } = series.metric;
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

describe('--push: a real CRI run into a real Pushgateway, read back from a real Prometheus', function () {
  // About 11 s of CPU in all (time: user 9.0 s + sys 2.1 s); 41 s wall at load 25 on 2 cores, 2 min 22 s at load 110.
  this.timeout(240_000);
  let stack: PrometheusStack | undefined;
  const { file, reportsDir } = writeScenario('push-metrics', {
    pods: 2,
    batchSize: 2,
    gracePeriodSeconds: 1,
    execProbe: { enabled: true, periodMs: 500, workers: 1 },
    matrix: { 'execProbe.command': [['/bin/echo', awkward]] },
  });

  before(async function () {
    this.timeout(PROVISION_TIMEOUT_MS);
    await ensurePrometheusBinaries();
    stack = await PrometheusStack.start();
  });
  after(async () => {
    await stack?.stop();
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('a bad --push URL is refused before anything runs (exit 2)', async () => {
    // Every other bad form is in test/util/pushgateway.test.ts; this one goes through the CLI.
    const result = await runCli(['run', file, '--reports-dir', reportsDir, '--push', 'ftp://127.0.0.1:9091']);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.include('--push: the Pushgateway is reached over http or https, not ftp');
    expect(existsSync(reportsDir)).to.equal(false);
  });

  it('pushes every cell figure, labelled by scenario, axes and measured versions; Prometheus returns them as metrics.prom has them', async () => {
    const { pushgatewayUrl } = stack!;
    const run = await runCli(['run', file, '--reports-dir', reportsDir, '--push', pushgatewayUrl, '--push-group', 'pipeline=nightly']);
    expect(run.code, run.stderr).to.equal(0);
    const [runId] = readdirSync(reportsDir);
    const dir = join(reportsDir, runId!);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    const cell = summary.cells[0]!;
    expect(await hostLeftovers(runId!)).to.deep.equal([]);

    // The pushed series, with the grouping key (job, scenario, pipeline) kept by honor_labels.
    const pods = await stack!.query('podchurn_pods_total{job="podchurn"}', 8);
    expect(pods.map((p) => p.metric)).to.have.length(8);
    for (const series of pods) {
      expect(series.metric).to.include({
        scenario: 'push-metrics',
        pipeline: 'nightly',
        target: 'cri',
        cell: 'cell-01',
        containerd_version: cell.runtime.containerd,
        runc_version: cell.runtime.runc,
        cri_runtime_version: cell.runtime.criRuntimeVersion,
        axis_exec_probe_command: `/bin/echo + ${awkward}`,
      });
      expect(Number(series.value[1]), series.metric.outcome).to.equal(cell.outcomes[series.metric.outcome as keyof typeof cell.outcomes]);
    }
    expect(cell.outcomes.ok).to.equal(2);
    const p99 = await stack!.query('podchurn_stop_latency_seconds{job="podchurn",quantile="0.99"}');
    expect(Number(p99[0]!.value[1])).to.be.closeTo(cell.latencyMs!.p99 / 1000, 1e-6);
    const count = await stack!.query('podchurn_stop_latency_seconds_count{job="podchurn"}');
    expect(Number(count[0]!.value[1])).to.equal(cell.latencyMs!.count);
    const sum = await stack!.query('podchurn_stop_latency_seconds_sum{job="podchurn"}');
    expect(Number(sum[0]!.value[1])).to.be.closeTo((cell.latencyMs!.mean * cell.latencyMs!.count) / 1000, 0.001);
    const info = await stack!.query('podchurn_run_info{job="podchurn"}');
    expect(info[0]!.metric).to.include({ run_id: runId, status: 'completed', primary_latency: 'stop' });

    // metrics.prom itself, scraped as OpenMetrics (Prometheus's strict parser), gives the same series and values.
    const text = readFileSync(join(dir, 'metrics.prom'), 'utf8');
    stack!.serveOpenMetrics(text);
    const pushed = await stack!.query('{job="podchurn",__name__=~"podchurn_.*"}');
    const scraped = await stack!.query('{job="file",__name__=~"podchurn_.*"}', pushed.length);
    const values = (all: PromSeries[]) => new Map(all.map((s) => [identity(s), s.value[1]]));
    const extra = pushed.filter((s) => !scraped.some((f) => identity(f) === identity(s)));
    expect(extra.map((s) => s.metric)).to.deep.equal([]);
    expect(pushed.length).to.equal(text.split('\n').filter((line) => line.startsWith('podchurn_')).length);
    expect(values(scraped)).to.deep.equal(values(pushed));

    // Another --push-group is another group; the same one is replaced, not added to.
    // (In-process: the CLI's own push path is the run above and the unreachable gateway below.)
    await pushRunMetrics(planPush(pushgatewayUrl, ['pipeline=other'])!, analyzeRun(RunDirectory.open(dir)), dir);
    expect((await stack!.query('podchurn_run_info{job="podchurn"}', 2)).map((s) => s.metric.pipeline).sort()).to.deep.equal(['nightly', 'other']);
    const groups = (await (await fetch(`${pushgatewayUrl}/api/v1/metrics`)).json()) as { data: { labels: Record<string, string> }[] };
    expect(groups.data.map((g) => g.labels.pipeline).sort()).to.deep.equal(['nightly', 'other']);

    // An unreachable gateway: exit 3, a message that says where the results are, and the directory intact.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await runCli(['report', dir, '--push', closed]);
    expect(down.code).to.equal(3);
    expect(down.stderr).to.include(`could not reach the Pushgateway at ${closed} (ECONNREFUSED)`);
    expect(down.stderr).to.include(`The run's results are complete in ${dir}; push them again with: podchurn report ${dir} --push ${closed}`);
    for (const name of ['summary.json', 'metrics.prom', 'report.md', 'junit.xml', 'events.jsonl']) expect(existsSync(join(dir, name)), name).to.equal(true);
  });

  it('stops both and leaves nothing behind (Debian defaults the gateway to a persistence file in /var/lib)', async () => {
    await stack!.stop();
    expect(stack!.stopped).to.equal(true);
    expect(existsSync(stack!.dir)).to.equal(false);
    expect(existsSync('/var/lib/prometheus/pushgateway.data')).to.equal(false);
  });
});
