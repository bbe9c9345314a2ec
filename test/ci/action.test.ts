import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { provisionSetUp } from '../helpers/provision.js';
import { writeScenario } from '../helpers/scenario.js';
import { readActionMetadata } from './action-metadata.js';
import { type CompositeRun, runComposite, type StepResult } from './composite-runner.js';

/**
 * action.yml's own shell code, run step by step as the Actions runner runs a composite action
 * (test/ci/composite-runner.ts), against real podchurn runs on a containerd podchurn starts: the exit
 * code is kept, the evidence (run directory, comparison, job summary, artifact path, history) is
 * written, and only then does the last step fail the job. The cache and artifact steps need GitHub's
 * services; their evaluated inputs are checked instead.
 */
const action = readActionMetadata();

function step(run: CompositeRun, name: string): StepResult {
  const found = run.steps.find((s) => s.id === name || s.name === name || s.name?.startsWith(name));
  if (!found) throw new Error(`no step ${name}`);
  return found;
}

function explain(run: CompositeRun): string {
  return run.steps
    .map((s) => `${s.outcome.padEnd(8)} ${s.name}${s.exitCode ? ` (exit ${s.exitCode})` : ''}\n${s.stdout.slice(-2000)}${s.stderr.slice(-2000)}`)
    .join('\n');
}

describe('the GitHub Action (action.yml) run step by step against real podchurn runs', function () {
  this.timeout(300_000);
  // Builds the bundled CLI the action runs (bin/podchurn.js), as install=full would.
  before(provisionSetUp());

  // Two pods a cell, stop latency about 0.3 s: a 1 ms p99 limit fails the gate (exit 1).
  const { file, reportsDir } = writeScenario('action', { pods: 2, batchSize: 2, concurrency: 2, workload: { onSigterm: 'exit' } });
  const workspace = dirname(file);
  const historyDir = join(workspace, 'history');
  const options = { actionPath: repoRoot, workspace };
  const common = { scenario: basename(file), install: 'none', sudo: 'false', 'reports-dir': reportsDir };
  let firstRunDir = '';

  it('on a failed gate keeps the exit code, writes report, comparison, trend and history, and fails only in its last step', () => {
    const run = runComposite(action, { ...common, gates: 'maxP99Ms=1', 'history-cache-key': 'podchurn-test-history', 'history-dir': historyDir }, options);
    const why = explain(run);
    expect(step(run, 'check').outcome, why).to.equal('success');
    for (const install of run.steps.filter((s) => s.name.startsWith('Install'))) expect(install.outcome, install.name).to.equal('skipped');
    expect(step(run, 'validate').outcome, why).to.equal('success');
    expect(step(run, 'Restore the run history').with).to.deep.include({
      path: historyDir,
      key: 'podchurn-test-history-4242-1',
      'restore-keys': 'podchurn-test-history-',
    });

    // The run step itself succeeds: podchurn's exit code 1 is its output.
    const podchurnRun = step(run, 'run');
    expect(podchurnRun.outcome, why).to.equal('success');
    expect(podchurnRun.stdout).to.match(/Gates: .*failed/);
    const runDir = run.outputs['run-dir']!;
    firstRunDir = runDir;
    expect(dirname(runDir)).to.equal(reportsDir);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { exitCode: number; scenario: string };
    expect(summary.exitCode).to.equal(1);

    // Compared with the history it was just recorded in: no earlier run, so nothing judged, and no limit set.
    expect(step(run, 'compare').outcome, why).to.equal('success');
    expect(run.outputs.comparison).to.equal('not judged');
    expect(readFileSync(join(runDir, 'comparison.md'), 'utf8')).to.include('no earlier completed run');
    expect(existsSync(join(runDir, 'comparison.json'))).to.equal(true);
    expect(existsSync(join(historyDir, 'history.db'))).to.equal(true);
    expect(existsSync(join(runDir, 'history.html'))).to.equal(true);

    // The job summary: report.md, then the comparison, then the trend.
    const report = readFileSync(join(runDir, 'report.md'), 'utf8');
    const comparison = readFileSync(join(runDir, 'comparison.md'), 'utf8');
    expect(run.summary.indexOf(report)).to.equal(0);
    expect(run.summary.indexOf(comparison)).to.equal(report.length);
    expect(run.summary).to.include('```text\n');
    expect(run.summary).to.include(`${summary.scenario} / `);

    // The artifact is the run directory; the history is saved under this run's key.
    expect(step(run, 'Upload the run directory').with).to.deep.include({ path: runDir, name: 'podchurn-4242-1', 'if-no-files-found': 'warn' });
    expect(step(run, 'Save the run history').with).to.deep.include({ path: historyDir, key: 'podchurn-test-history-4242-1' });

    // Only the last step fails, with podchurn's code.
    const gate = run.steps.at(-1)!;
    expect(gate.id).to.equal('verdict');
    expect(run.steps.filter((s) => s.outcome === 'failure')).to.deep.equal([gate]);
    expect(gate.exitCode).to.equal(1);
    expect(run.outputs).to.include({ 'exit-code': '1', verdict: 'gate-failed' });
  });

  it('with a baseline run and regression limits that hold: runtime pins and overrides reach podchurn, the job passes', () => {
    expect(firstRunDir, 'the first test made the baseline').to.not.equal('');
    const run = runComposite(
      action,
      {
        ...common,
        containerd: 'system',
        runc: 'system',
        set: 'holdSeconds=0\ncycles=1',
        'baseline-run': firstRunDir,
        'max-regression': 'p50=100000% p99=100000%',
        'max-stuck': '0',
      },
      options,
    );
    const why = explain(run);
    expect(step(run, 'Restore the run history').outcome).to.equal('skipped');
    expect(step(run, 'Save the run history').outcome).to.equal('skipped');
    const runDir = run.outputs['run-dir']!;
    expect(runDir).to.not.equal(firstRunDir);
    expect(readFileSync(join(runDir, 'scenario.yaml'), 'utf8')).to.match(/containerd: system/);
    const comparison = JSON.parse(readFileSync(join(runDir, 'comparison.json'), 'utf8')) as {
      mode: string;
      limits: { maxStuck?: number; regressions: unknown[] };
      exitCode: number;
    };
    expect(comparison).to.deep.include({ mode: 'runs', exitCode: 0 });
    expect(comparison.limits.maxStuck).to.equal(0);
    expect(comparison.limits.regressions).to.have.length(2);
    expect(['worse', 'better', 'no significant change', 'not judged']).to.include(run.outputs.comparison);
    expect(
      run.steps.filter((s) => s.outcome === 'failure'),
      why,
    ).to.deep.equal([]);
    expect(run.outputs).to.include({ 'exit-code': '0', verdict: 'passed' });
  });

  it('a regression limit compare refuses makes the job exit 2 even though the run passed, after the run directory and report are kept', () => {
    const run = runComposite(action, { ...common, 'baseline-run': firstRunDir, 'max-regression': 'p99=often' }, options);
    expect(step(run, 'run').outcome).to.equal('success');
    expect(step(run, 'compare').stderr).to.include('p99=often');
    const runDir = run.outputs['run-dir']!;
    expect(run.summary).to.include(readFileSync(join(runDir, 'report.md'), 'utf8'));
    expect(step(run, 'Upload the run directory').with).to.deep.include({ path: runDir });
    expect(run.outputs).to.include({ 'exit-code': '2', verdict: 'bad-input', comparison: 'none' });
  });

  it('refuses bad input with exit code 2 before anything runs, and still reaches the artifact and gate steps', () => {
    const both = runComposite(action, { ...common, 'baseline-run': reportsDir, 'history-cache-key': 'k' }, options);
    expect(step(both, 'check').outcome).to.equal('failure');
    expect(step(both, 'check').stdout).to.include('give one baseline');
    expect(step(both, 'run').outcome).to.equal('skipped');
    expect(step(both, 'Upload the run directory').with).to.deep.include({ path: reportsDir });
    expect(both.outputs).to.include({ 'exit-code': '2', verdict: 'bad-input', 'run-dir': '' });

    const badScenario = runComposite(action, { ...common, set: 'pods=-1' }, options);
    expect(step(badScenario, 'check').outcome).to.equal('success');
    expect(step(badScenario, 'validate').outcome).to.equal('failure');
    expect(step(badScenario, 'validate').stderr).to.include('pods');
    expect(step(badScenario, 'run').outcome).to.equal('skipped');
    expect(badScenario.steps.at(-1)!.exitCode).to.equal(2);
    expect(badScenario.outputs.verdict).to.equal('bad-input');
  });
});
