import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEventLines } from '../../src/results/event-log.js';
import type { RunSummary } from '../../src/results/summary.js';
import { runScenario } from '../../src/run/run-scenario.js';
import { runCommand } from '../../src/util/exec.js';
import { runCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { writeScenario } from '../helpers/scenario.js';

/** Runs a scenario in-process against a real containerd that podchurn starts. */
async function run(name: string, fields: Record<string, unknown>) {
  const { file, reportsDir } = writeScenario(name, fields);
  const result = await runScenario({ scenarioFile: file, overrides: [], reportsDir, signal: new AbortController().signal });
  const runId = result.analysis.summary.runId;
  return { ...result, runId, leftovers: await hostLeftovers(runId) };
}

describe('CRI target on a real containerd', function () {
  this.timeout(180_000);

  it('a SIGTERM-ignoring workload with grace 2 s stops no sooner than 2 s, killed (137)', async () => {
    const { analysis, leftovers, dir } = await run('ignore', {
      pods: 10,
      batchSize: 10,
      concurrency: 10,
      gracePeriodSeconds: 2,
      workload: { onSigterm: 'ignore' },
    });
    const stopped = analysis.records.filter((r) => r.stopLatencyMs !== undefined);
    expect(stopped).to.have.length(10);
    for (const record of stopped) {
      expect(record.stopLatencyMs).to.be.at.least(2000);
      expect(record.exitCode).to.equal(137);
      expect(record.phases.gone).to.be.a('number');
    }
    const cell = analysis.summary.cells[0]!;
    expect(cell.outcomes.ok + cell.outcomes.slow).to.equal(10);
    expect(cell.stopLatencyMs!.p50).to.be.at.least(2000);
    expect(analysis.summary.leakCheck.leaked).to.deep.equal([]);
    expect(leftovers).to.deep.equal([]);
    // The environment records what really ran, measured by running the binaries.
    const environment = JSON.parse(readFileSync(join(dir.path, 'environment.json'), 'utf8'));
    const version = (await runCommand('containerd', ['--version'])).stdout;
    expect(version).to.include(environment.runtimes[0].measured.containerd);
    expect(environment.runtimes[0].cri.runtimeName).to.equal('containerd');
    expect(cell.runtime.containerd).to.equal(environment.runtimes[0].measured.containerd);
  });

  it('a SIGTERM-handling workload stops well under its grace period, exit 0 or 143', async () => {
    const { analysis, leftovers } = await run('handle', { pods: 10, batchSize: 5, concurrency: 5, gracePeriodSeconds: 10, workload: { onSigterm: 'exit' } });
    expect(analysis.records).to.have.length(10);
    for (const record of analysis.records) {
      expect(record.stopLatencyMs).to.be.below(5000);
      expect([0, 143]).to.include(record.exitCode);
      expect(record.outcome).to.equal('ok');
    }
    expect(analysis.summary.exitCode).to.equal(0);
    expect(leftovers).to.deep.equal([]);
  });

  it('a delayed drain takes the delay, not the grace period', async () => {
    const { analysis } = await run('delay', { pods: 4, batchSize: 4, gracePeriodSeconds: 10, workload: { onSigterm: 'delay', delaySeconds: 1 } });
    for (const record of analysis.records) {
      expect(record.stopLatencyMs).to.be.within(1000, 9000);
      expect(record.exitCode).to.equal(0);
    }
  });

  it('records exec probes running through the stop, and keeps a lone "cannot exec in a stopped container" benign', async () => {
    const { analysis, dir } = await run('probes', {
      pods: 8,
      batchSize: 8,
      concurrency: 8,
      gracePeriodSeconds: 1,
      holdSeconds: 1,
      workload: { onSigterm: 'ignore' },
      execProbe: { enabled: true, periodMs: 50, timeoutSeconds: 1, workers: 2, command: ['true'] },
    });
    const events = parseEventLines(readFileSync(join(dir.path, 'events.jsonl'), 'utf8'));
    const summaries = events.filter((e) => e.kind === 'probe-summary');
    expect(summaries).to.have.length(8);
    for (const record of analysis.records) expect(record.probeCounts.ok).to.be.greaterThan(5);
    const cell = analysis.summary.cells[0]!;
    expect(cell.probes.ok).to.be.greaterThan(40);
    expect(cell.outcomes['stop-error'] + cell.outcomes.stuck + cell.outcomes['state-mismatch']).to.equal(0);
    // On this (unaffected) runtime every exec refusal is the benign race: no finding may be escalated.
    expect(analysis.findings.filter((f) => f.signature === 'exec-in-stopped').every((f) => f.benign)).to.equal(true);
    expect(analysis.summary.topFindings.filter((f) => f.signature === 'exec-in-stopped')).to.deep.equal([]);
  });

  it('an execProbe block written without enabled runs probes (through the CLI, as a user writes it)', async () => {
    const { file, reportsDir } = writeScenario('probe-block', {
      pods: 2,
      batchSize: 2,
      concurrency: 2,
      gracePeriodSeconds: 1,
      holdSeconds: 1,
      execProbe: { periodMs: 100 },
    });
    const result = await runCli(['run', file, '--reports-dir', reportsDir, '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    const cell = summary.cells[0]!;
    expect(cell.settings.execProbe).to.equal(true);
    // Two pods, probed every 100 ms for at least the 1 s hold: far more than a handful of execs.
    expect(cell.probes.ok).to.be.greaterThan(10);
    expect(cell.outcomes.ok).to.equal(2);
    expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
  });

  it('turns a failed gate into exit code 1 with the measured value', async () => {
    const { analysis } = await run('gate', {
      pods: 2,
      batchSize: 2,
      gracePeriodSeconds: 1,
      workload: { onSigterm: 'ignore' },
      gates: { maxP99StopMs: 10, maxStuck: 0 },
    });
    const summary: RunSummary = analysis.summary;
    const gates = summary.cells[0]!.gates;
    expect(gates.find((g) => g.gate === 'maxP99StopMs')).to.include({ passed: false, limit: 10 });
    expect(gates.find((g) => g.gate === 'maxP99StopMs')!.measured).to.be.at.least(1000);
    expect(gates.find((g) => g.gate === 'maxStuck')).to.include({ passed: true, measured: 0 });
    expect(summary.exitCode).to.equal(1);
  });
});
