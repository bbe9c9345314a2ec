import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { runMetricFamilies } from '../../src/reports/metric-families.js';
import { escapeLabelValue, renderOpenMetrics, renderPrometheusText } from '../../src/reports/metrics-text.js';
import type { RunAnalysis } from '../../src/results/run-analysis.js';
import { fixtureAnalysis } from '../helpers/fixture-run.js';
import { expectGolden } from '../helpers/golden.js';
import { ensurePrometheusBinaries } from '../helpers/prometheus-stack.js';
import { PROVISION_TIMEOUT_MS } from '../helpers/provision.js';

/** The fixture run with one cell's axis value and scenario carrying what label values must escape. */
function hostileAnalysis(value: string): RunAnalysis {
  const analysis = structuredClone(fixtureAnalysis());
  analysis.summary.cells[0]!.axes = { 'runtime.containerd': value, 'execProbe.command': ['/bin/echo', value] };
  return analysis;
}

/** promtool (from the prometheus package scripts/setup.sh --test installs) parses and lints 0.0.4 text. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('metrics.prom and the Pushgateway text', () => {
  before(async function () {
    this.timeout(PROVISION_TIMEOUT_MS);
    await ensurePrometheusBinaries();
  });

  it('metrics.prom of the fixture run (golden): OpenMetrics families, units in names, # EOF', () => {
    const text = renderOpenMetrics(runMetricFamilies(fixtureAnalysis()));
    expectGolden('metrics.prom', text);
    expect(text.endsWith('# EOF\n')).to.equal(true);
    // Every family with a unit says so, and its name ends in it; counters' samples end in _total.
    for (const [, name, unit] of text.matchAll(/^# UNIT (\S+) (\S+)$/gm)) expect(name!.endsWith(`_${unit}`), name).to.equal(true);
    for (const [, name] of text.matchAll(/^# TYPE (\S+) counter$/gm)) {
      const samples = text.split('\n').filter((line) => line.startsWith(`${name}`) && !line.startsWith('#'));
      expect(samples.length, name).to.be.greaterThan(0);
      for (const line of samples) expect(line.startsWith(`${name}_total{`), line).to.equal(true);
    }
  });

  it('the pushed text passes promtool check metrics (parser and naming lint), hostile strings included', () => {
    const hostile = 'q"uote \\back\\slash\nnew\r\nline \u001b[2J }{ ,= \uD800';
    const { status, output } = promtoolCheck(renderPrometheusText(runMetricFamilies(hostileAnalysis(hostile))));
    expect(output).to.equal('');
    expect(status).to.equal(0);
  });

  it('promtool rejects a broken text (the check can fail)', () => {
    expect(promtoolCheck('podchurn_pods_total{cell="a\nb"} 1\n').status).not.to.equal(0);
  });

  it('label values: backslash, quote and line feed escaped; other controls and lone surrogates become U+FFFD', () => {
    expect(escapeLabelValue('a"b\\c\nd')).to.equal('a\\"b\\\\c\\nd');
    expect(escapeLabelValue('tab\there\r\u001b[2J\u0000')).to.equal('tab\there\uFFFD\uFFFD[2J\uFFFD');
    expect(escapeLabelValue('lone \uD800 pair \uD83D\uDE00')).to.equal('lone \uFFFD pair \uD83D\uDE00');
    const text = renderOpenMetrics(runMetricFamilies(hostileAnalysis('x"y\\z\nw')));
    // One sample per line still: the newline never reaches the file raw.
    const lines = text.split('\n').filter((l) => l.includes('cell="cell-01"'));
    expect(lines.length).to.be.greaterThan(10);
    for (const line of lines) {
      expect(line).to.match(/^podchurn_\w+\{.*\} \S+$/);
      expect(line).to.include('axis_runtime_containerd="x\\"y\\\\z\\nw"');
      expect(line).to.include('axis_exec_probe_command="/bin/echo + x\\"y\\\\z\\nw"');
    }
  });

  it("the latency summary's _sum / _count is the cell's mean, its quantiles the cell's percentiles in seconds", () => {
    const analysis = fixtureAnalysis();
    const text = renderOpenMetrics(runMetricFamilies(analysis));
    for (const cell of analysis.summary.cells) {
      const value = (suffix: string, extra = '') =>
        Number(text.match(new RegExp(`^podchurn_stop_latency_seconds${suffix}\\{[^}]*cell="${cell.cell}"[^}]*${extra}\\} (\\S+)$`, 'm'))![1]);
      expect(value('_count')).to.equal(cell.latencyMs!.count);
      expect((value('_sum') / value('_count')) * 1000).to.be.closeTo(cell.latencyMs!.mean, 0.05);
      expect(value('', 'quantile="0.99"')).to.equal(cell.latencyMs!.p99 / 1000);
    }
  });

  it('a cell without latency samples keeps its count (0) and has no quantiles', () => {
    const analysis = structuredClone(fixtureAnalysis());
    analysis.summary.cells[1]!.latencyMs = null;
    const text = renderOpenMetrics(runMetricFamilies(analysis));
    expect(text).to.match(/^podchurn_stop_latency_seconds_count\{[^}]*cell="cell-02"[^}]*\} 0$/m);
    expect(text).not.to.match(/^podchurn_stop_latency_seconds\{[^}]*cell="cell-02"[^}]*quantile/m);
  });
});
