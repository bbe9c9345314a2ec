import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { localClusterLayout } from '../../src/cluster/providers/local/layout.js';
import { RuntimeStore } from '../../src/runtime/store.js';
import { runCommand } from '../../src/util/exec.js';
import type { RunSummary } from '../../src/results/summary.js';
import { runCli } from '../helpers/cli.js';
import { writeGracefulKubeScenario } from '../helpers/kube-run-checks.js';
import { runDirOf } from '../helpers/run-dir.js';
import { KUBERNETES_KEY, provisionStoreKeys } from '../helpers/provision.js';

/**
 * A local cluster behaves like a cluster: its Node has an address of its own (not loopback), so the
 * apiserver reaches the kubelet for logs, exec and the node proxy, and teardown removes that address.
 * One cluster is brought up for the whole file.
 */
describe('local provider: the node has an address of its own (kubectl logs, exec, node proxy)', function () {
  this.timeout(300_000);
  const name = 'pc-node';
  const layout = localClusterLayout(name);
  let kubectlBinary = '';
  const kubectl = (args: string[]) => runCommand(kubectlBinary, ['--kubeconfig', layout.kubeconfig, ...args], { timeoutMs: 90_000 });

  before(provisionStoreKeys(KUBERNETES_KEY));
  before(async () => {
    const installed = await new RuntimeStore().get(KUBERNETES_KEY);
    expect(installed?.binaries.kubectl, `${KUBERNETES_KEY} has a kubectl`).to.be.a('string');
    kubectlBinary = installed!.binaries.kubectl!;
    const up = await runCli(['cluster', 'up', '--provider', 'local', '--name', name]);
    expect(up.code, up.stderr).to.equal(0);
  });
  after(async () => {
    const down = await runCli(['cluster', 'down', '--provider', 'local', '--name', name]);
    expect(down.code, down.stderr).to.equal(0);
    // Teardown took the node's link and address with it.
    expect((await runCommand('ip', ['link', 'show', layout.nodeLink])).exitCode).to.not.equal(0);
    expect((await runCommand('ip', ['-o', 'addr', 'show', 'to', `${layout.nodeAddress}/32`])).stdout.trim()).to.equal('');
  });

  it('the Node reports the cluster-owned address as its InternalIP, and the kubelet does not complain about loopback', async () => {
    const addresses = await kubectl(['get', 'node', `${name}-node`, '-o', 'jsonpath={.status.addresses}']);
    expect(addresses.exitCode, addresses.stderr).to.equal(0);
    expect(JSON.parse(addresses.stdout)).to.deep.include({ type: 'InternalIP', address: layout.nodeAddress });
    expect(layout.nodeAddress).to.match(/^10\.250\.\d+\.\d+$/);
    const kubeletLog = (await runCommand('cat', [join(layout.logDir, 'kubelet.log')])).stdout;
    expect(kubeletLog).to.not.match(/can't be loopback/);
  });

  it('kubectl logs and kubectl exec work on a pod; the node proxy serves the kubelet metrics', async () => {
    const run = await kubectl([
      'run',
      'hello',
      '--image=podchurn.local/workload:1',
      '--image-pull-policy=IfNotPresent',
      '--restart=Never',
      '--command',
      '--',
      'sh',
      '-c',
      'echo hello-from-the-pod; exec sleep 3600',
    ]);
    expect(run.exitCode, run.stderr).to.equal(0);
    const ready = await kubectl(['wait', '--for=condition=Ready', 'pod/hello', '--timeout=60s']);
    expect(ready.exitCode, ready.stderr).to.equal(0);

    const logs = await kubectl(['logs', 'hello']);
    expect(logs.exitCode, logs.stderr).to.equal(0);
    expect(logs.stdout).to.contain('hello-from-the-pod');

    const exec = await kubectl(['exec', 'hello', '--', 'sh', '-c', 'echo exec-in-$(cat /proc/1/comm)']);
    expect(exec.exitCode, exec.stderr).to.equal(0);
    expect(exec.stdout.trim()).to.equal('exec-in-sleep');

    const metrics = await kubectl(['get', '--raw', `/api/v1/nodes/${name}-node/proxy/metrics`]);
    expect(metrics.exitCode, metrics.stderr).to.equal(0);
    expect(metrics.stdout).to.match(/^kubelet_runtime_operations_duration_seconds_count\{operation_type="[a-z_]+"\} \d+/m);

    const deleted = await kubectl(['delete', 'pod', 'hello', '--grace-period=0', '--wait=true']);
    expect(deleted.exitCode, deleted.stderr).to.equal(0);
  });

  it("a kube run on it reports the kubelet's and the node containerd's stop timers per cell (runtime metrics)", async () => {
    const work = mkdtempSync(join(tmpdir(), 'podchurn-node-metrics-'));
    const scenario = writeGracefulKubeScenario(
      work,
      'node-metrics',
      { provider: 'local', name },
      { pods: 3, batchSize: 3, concurrency: 3, gracePeriodSeconds: 1, workload: { onSigterm: 'exit' } },
    );
    const reports = join(work, 'reports');
    const run = await runCli(['run', scenario, '--reports-dir', reports]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/Runtime timers cell-01: kubelet stop_container 3x/);
    const summary = JSON.parse(readFileSync(join(runDirOf(reports), 'summary.json'), 'utf8')) as RunSummary;
    const metrics = summary.cells[0]!.runtimeMetrics!;
    expect(metrics.sources).to.deep.equal([`containerd/${name}-node`, `kubelet/${name}-node`]);
    expect(metrics.notes).to.deep.equal([]);
    const find = (metric: string, operation?: string) => metrics.timers.find((t) => t.metric === metric && t.operation === operation)!;
    // Every pod's container was stopped once by the kubelet, through the node's containerd.
    expect(find('kubelet_runtime_operations_duration_seconds', 'stop_container').count).to.equal(3);
    expect(find('kubelet_runtime_operations_duration_seconds', 'stop_podsandbox').count).to.be.at.least(3);
    expect(find('containerd_cri_container_stop_seconds').count).to.equal(3);
    // The pod network is a CNI bridge here: every sandbox's network was deleted.
    expect(find('containerd_cri_sandbox_delete_network_seconds').count).to.be.at.least(3);
    expect(find('kubelet_runtime_operations_duration_seconds', 'stop_container').p50Ms).to.be.greaterThan(0);
  });
});
