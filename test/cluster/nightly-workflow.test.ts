import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { kindNodeImages } from '../../src/runtime/catalog.js';
import { chooseNodeImage } from '../../src/cluster/providers/kind/node-image.js';
import { repoRoot } from '../helpers/cli.js';
import { readActionMetadata } from '../ci/action-metadata.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

describe('nightly workflow on kind', () => {
  const workflow = parseYaml(readFileSync(join(repoRoot, '.github/workflows/nightly.yml'), 'utf8')) as Workflow;
  const job = workflow.jobs.kind!;
  const steps = job.steps;
  const runs = (text: string) => steps.filter((s) => s.run?.includes(text));
  // The run, the history, the artifact, the summary and the gate live in the repository's own action.
  const churn = steps.find((s) => s.uses === './')!;
  const action = readActionMetadata();
  const actionSteps = action.runs.steps;
  const actionStep = (id: string) => actionSteps.find((s) => s.id === id)!;
  const actionUses = (name: string) => actionSteps.find((s) => s.uses?.startsWith(`${name}@`))!;

  it('runs nightly and on demand, on ubuntu-latest, with a pinned kind release', () => {
    expect((workflow.on.schedule as { cron: string }[])[0]!.cron).to.match(/^\S+ \S+ \* \* \*$/);
    expect(workflow.on).to.have.property('workflow_dispatch');
    expect(job['runs-on']).to.equal('ubuntu-latest');
    const kindVersion = workflow.env.KIND_VERSION!;
    expect(kindVersion).to.match(/^v\d+\.\d+\.\d+$/);
    expect(churn.with).to.include({ install: 'kind', 'kind-version': '${{ env.KIND_VERSION }}' });
    const install = actionSteps.find((s) => s.run?.includes('kind-linux-amd64'))!;
    expect(install.if).to.equal("inputs.install == 'kind'");
    expect(install.env!.KIND_VERSION).to.equal('${{ inputs.kind-version }}');
    expect(install.run).to.include('${KIND_VERSION}');
    expect(install.run).to.include('sha256sum -c');
  });

  it('runs podchurn run on the kind scenario through the action, with a history kept by actions/cache', () => {
    expect(churn.with).to.include({
      scenario: '${{ env.SCENARIO }}',
      'history-dir': '${{ env.HISTORY_DIR }}',
      'reports-dir': '${{ env.REPORTS_DIR }}',
    });
    expect(churn.with!['history-cache-key']).to.be.a('string').and.not.empty;
    const run = actionStep('run');
    expect(run.env).to.include({ REPORTS_DIR: '${{ inputs.reports-dir }}', HISTORY_DIR: '${{ inputs.history-dir }}' });
    expect(run.run).to.match(/node "\$GITHUB_ACTION_PATH\/bin\/podchurn\.js" run "\$SCENARIO" --reports-dir "\$REPORTS_DIR" "\$\{args\[@\]\}"/);
    expect(run.run).to.include('args+=(--history "$HISTORY_DIR/history.db")');
    expect(run.run).to.include('echo "exit-code=$code" >> "$GITHUB_OUTPUT"');
    const restore = actionUses('actions/cache/restore');
    const save = actionUses('actions/cache/save');
    expect(restore.with!.path).to.equal('${{ inputs.history-dir }}');
    expect(save.with!.path).to.equal(restore.with!.path);
    expect(String(restore.with!['restore-keys'])).to.satisfy((prefix: string) => String(save.with!.key).startsWith(prefix));
    expect(actionSteps.indexOf(restore)).to.be.below(actionSteps.indexOf(run));
  });

  it('writes the evidence (summary, artifact, history) before the job fails on the exit code, and removes the cluster', () => {
    const run = actionStep('run');
    // The run step records the code and never fails itself: `set +e` around podchurn, the code as an output.
    expect(run.run).to.match(/set \+e\n\s*"\$\{command\[@\]\}"\n\s*code=\$\?\n\s*set -e\n\s*echo "exit-code=\$code" >> "\$GITHUB_OUTPUT"/);
    const summary = actionSteps.find((s) => s.run?.includes('$GITHUB_STEP_SUMMARY'))!;
    const upload = actionUses('actions/upload-artifact');
    const save = actionUses('actions/cache/save');
    const compare = actionStep('compare');
    const gate = actionSteps[actionSteps.length - 1]!;
    expect(gate.id).to.equal('verdict');
    expect(gate.env!.RUN_CODE).to.equal('${{ steps.run.outputs.exit-code }}');
    expect(gate.env!.COMPARE_CODE).to.equal('${{ steps.compare.outputs.exit-code }}');
    expect(gate.run).to.include('exit "$code"');
    const order = [run, compare, summary, upload, save, gate].map((s) => actionSteps.indexOf(s));
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    // Each evidence step runs whatever happened before it.
    for (const step of [compare, summary, upload, save, gate]) expect(step.if, step.name).to.match(/^always\(\)/);
    expect(upload.if).to.equal('always()');
    expect(gate.if).to.equal('always()');
    expect(upload.with!.path).to.equal('${{ steps.run.outputs.run-dir || inputs.reports-dir }}');
    expect(churn.with!['artifact-name']).to.include('${{ github.run_id }}');
    // The compare verdict (Markdown) goes into the run directory, and from there into the summary and the artifact.
    expect(compare.run).to.include('--markdown "$RUN_DIR/comparison.md"');
    expect(summary.run).to.include('cat "$RUN_DIR/comparison.md" >> "$GITHUB_STEP_SUMMARY"');
    expect(summary.run).to.include('cat "$RUN_DIR/report.md" >> "$GITHUB_STEP_SUMMARY"');
    // The workflow itself only cleans up after the action, whatever it returned.
    const down = runs('cluster down --provider kind')[0]!;
    expect(steps.indexOf(down)).to.be.above(steps.indexOf(churn));
    expect(down.if).to.equal('always()');
    expect(down.run).to.include('--name "$CLUSTER_NAME"');
    expect(
      steps.filter((s) => s.run?.includes('podchurn.js run')),
      'no second podchurn run in the workflow',
    ).to.deep.equal([]);
  });

  it('passes the action only inputs it declares', () => {
    for (const name of Object.keys(churn.with!)) expect(action.inputs, `input ${name}`).to.have.property(name);
    for (const [name, spec] of Object.entries(action.inputs)) if (spec.required) expect(churn.with, `required input ${name}`).to.have.property(name);
  });

  it('names a scenario that is valid: a kube target on the kind cluster, 20 pods in batches of 10, SIGTERM ignored, grace 3 s', () => {
    const { scenario } = loadScenarioFile(join(repoRoot, workflow.env.SCENARIO!), []);
    expect(scenario.target.type).to.equal('kube');
    expect(scenario.cluster).to.include({ provider: 'kind', name: workflow.env.CLUSTER_NAME });
    expect(scenario).to.include({ pods: 20, batchSize: 10, gracePeriodSeconds: 3 });
    expect(scenario.workload.onSigterm).to.equal('ignore');
    // The pinned kind release's default node image is the one the scenario's Kubernetes version picks.
    const release = kindNodeImages().find((e) => e.kind === workflow.env.KIND_VERSION)!;
    expect(chooseNodeImage({ kubernetes: scenario.cluster!.kubernetes, containerd: 'system' }).image).to.equal(release.image);
  });
});
