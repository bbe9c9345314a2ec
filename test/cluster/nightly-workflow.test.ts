import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { kindNodeImages } from '../../src/runtime/catalog.js';
import { chooseNodeImage } from '../../src/cluster/providers/kind/node-image.js';
import { repoRoot } from '../helpers/cli.js';

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

  it('runs nightly and on demand, on ubuntu-latest, with a pinned kind release', () => {
    expect((workflow.on.schedule as { cron: string }[])[0]!.cron).to.match(/^\S+ \S+ \* \* \*$/);
    expect(workflow.on).to.have.property('workflow_dispatch');
    expect(job['runs-on']).to.equal('ubuntu-latest');
    const kindVersion = workflow.env.KIND_VERSION!;
    expect(kindVersion).to.match(/^v\d+\.\d+\.\d+$/);
    const install = runs('kind-linux-amd64')[0]!.run!;
    expect(install).to.include('${KIND_VERSION}');
    expect(install).to.include('sha256sum -c');
  });

  it('runs podchurn run on the kind scenario with a history kept by actions/cache, and gates on its exit code', () => {
    const churn = steps.find((s) => s.id === 'churn')!;
    expect(churn.run).to.match(/node bin\/podchurn\.js run "\$SCENARIO" --reports-dir "\$REPORTS_DIR" --history "\$HISTORY_DIR\/history\.db"/);
    expect(churn.run).to.include('echo "exit-code=$?" >> "$GITHUB_OUTPUT"');
    const restore = steps.find((s) => s.uses?.startsWith('actions/cache/restore@'))!;
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'))!;
    expect(restore.with!.path).to.equal('${{ env.HISTORY_DIR }}');
    expect(save.with!.path).to.equal(restore.with!.path);
    expect(String(restore.with!['restore-keys'])).to.satisfy((prefix: string) => String(save.with!.key).startsWith(prefix));
    expect(steps.indexOf(restore)).to.be.below(steps.indexOf(churn));
    const gate = steps[steps.length - 1]!;
    expect(gate.env!.CODE).to.equal('${{ steps.churn.outputs.exit-code }}');
    expect(gate.run).to.include('exit "${CODE:-3}"');
  });

  it('uploads the run directory as an artifact even when the run fails, and removes the cluster', () => {
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).to.equal('always()');
    expect(upload.with!.path).to.equal('${{ env.REPORTS_DIR }}/');
    const down = runs('cluster down --provider kind')[0]!;
    expect(down.if).to.equal('always()');
    expect(down.run).to.include('--name "$CLUSTER_NAME"');
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
