import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderTerminalSummary } from '../../src/reports/terminal.js';
import type { RunSummary } from '../../src/results/summary.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/golden/summary.json', import.meta.url), 'utf8')) as RunSummary;

describe('terminal summary', () => {
  it('leads a CRI run with stop latency', () => {
    const text = renderTerminalSummary(golden, '/runs/x');
    expect(text).to.include('stop p50 ms');
    expect(text).to.include(String(Math.round(golden.cells[0]!.latencyMs!.p50)));
    expect(text).not.to.include('\u001b['); // plain unless asked for colour
  });

  it('leads a Kubernetes run with deletion latency', () => {
    const deletion = { count: 24, min: 3100, mean: 3400, p50: 3333, p90: 3600, p95: 3700, p99: 3999, max: 4100 };
    const kube: RunSummary = {
      ...golden,
      target: 'kube',
      primaryLatency: { name: 'deletion', definition: 'deletion latency = pod DELETED seen on the watch - DELETE sent, per pod' },
      watchGaps: { count: 1, inferredDeletions: 3, totalMs: 1500 },
      cells: golden.cells.map((c, i) => ({ ...c, stopLatencyMs: null, latencyMs: deletion, deletionLatencyMs: deletion, stateUnverified: i === 0 ? 2 : 0 })),
    };
    const text = renderTerminalSummary(kube, '/runs/x');
    expect(text).to.include('deletion p50 ms');
    expect(text).to.match(/\b3333\b.*\b3700\b.*\b3999\b.*\b4100\b/);
    expect(text).to.include('Latency columns: deletion latency = pod DELETED seen on the watch - DELETE sent');
    expect(text).to.include('The pod watch missed 1 stretch(es) (1500 ms in all) and relisted; 3 deletion(s) inside them were inferred');
    expect(text).to.include('cell-01: after 2 stop(s) CRI still said RUNNING but the task pid could not be read');
    expect(text).not.to.include('cell-02: after');
  });
});
