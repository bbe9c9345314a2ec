import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RuntimeMetricsSummary } from '../../src/results/runtime-metrics.js';
import { renderComparisonMarkdown } from '../../src/reports/compare-markdown.js';
import { compareRuns } from '../../src/run/compare-runs.js';
import { runScenario } from '../../src/run/run-scenario.js';
import { runEvents } from '../helpers/run-dir.js';
import { writeScenario } from '../helpers/scenario.js';

const timer = (metrics: RuntimeMetricsSummary | undefined, metric: string) => metrics?.timers.find((t) => t.metric === metric);

describe("runtime metrics on the CRI target: containerd's own timers, scraped at each cell's start and end", function () {
  this.timeout(180_000);

  it('the containerd stop-timer delta of each repetition equals the StopContainer calls podchurn sent', async () => {
    const { file, reportsDir } = writeScenario('runtime-metrics', {
      pods: 3,
      cycles: 2,
      batchSize: 3,
      repetitions: 2,
      gracePeriodSeconds: 1,
      runtime: { containerd: '1.7.22', runc: '1.1.14' },
    });
    const { analysis, dir } = await runScenario({ scenarioFile: file, overrides: [], reportsDir, signal: new AbortController().signal });
    expect(analysis.summary.status).to.equal('completed');
    const events = runEvents(dir.path);
    const stopsSent = events.filter((e) => e.kind === 'delete-sent').length;
    expect(stopsSent).to.equal(12);
    const metrics = analysis.summary.cells[0]!.runtimeMetrics;
    expect(metrics?.sources).to.deep.equal(['containerd']);
    expect(metrics?.notes).to.deep.equal([]);
    // Summed over both repetitions (the session, and so the daemon, is shared by them).
    expect(timer(metrics, 'containerd_cri_container_stop_seconds')!.count).to.equal(stopsSent);
    expect(timer(metrics, 'containerd_cri_container_remove_seconds')!.count).to.equal(stopsSent);
    expect(timer(metrics, 'containerd_cri_sandbox_remove_seconds')!.count).to.equal(12);
    const stop = timer(metrics, 'containerd_cri_container_stop_seconds')!;
    expect(stop.meanMs).to.be.greaterThan(0);
    expect(stop.p99Ms).to.be.at.least(stop.p50Ms!);
    // One scrape at the start and one at the end of each repetition.
    const scrapes = events.filter((e) => e.kind === 'metrics-scrape');
    const phaseOf = (data: unknown) => data as { rep: number; phase: string };
    expect(scrapes.map((e) => `${phaseOf(e.data).rep}:${phaseOf(e.data).phase}`)).to.deep.equal(['1:start', '1:end', '2:start', '2:end']);
    // The reports say it too.
    // compare puts both sides' timers next to each other.
    const comparison = compareRuns(analysis, analysis, { regressions: [] });
    const stopPair = comparison.pairs[0]!.runtimeTimers!.find((t) => t.metric === 'containerd_cri_container_stop_seconds')!;
    expect([stopPair.baseline!.count, stopPair.candidate!.count]).to.deep.equal([12, 12]);
    expect(renderComparisonMarkdown(comparison)).to.match(/containerd\\_cri\\_container\\_stop\\_seconds \| 12 \| 12 \|/);
    expect(readFileSync(join(dir.path, 'report.md'), 'utf8')).to.match(
      /## Runtime and kubelet timers[\s\S]*containerd\\_cri\\_container\\_stop\\_seconds \| 12 \|/,
    );
    expect(readFileSync(join(dir.path, 'report.html'), 'utf8')).to.match(
      /<h2>Runtime and kubelet timers<\/h2>[\s\S]*<td>containerd_cri_container_stop_seconds<\/td><td>12<\/td>/,
    );
  });
});
