import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify as toYaml } from 'yaml';
import { CRI_TOOLS_FOR_NODE } from '../../src/images/kind-node/node-image.js';
import { sleep } from '../../src/util/clock.js';
import { runCommand } from '../../src/util/exec.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { ensureSetUp, ensureStoreKeys, KUBERNETES_KEY, PROVISION_TIMEOUT_MS } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';
import type { RunSummary } from '../../src/results/summary.js';

const CONTAINERD = 'containerd@1.7.22';
const RUNC = 'runc@1.1.14';
const NAME = 'pc-agent-kind';
const WORKER = `${NAME}-worker`;

async function onWorker(argv: string[]): Promise<string> {
  const result = await runCommand('docker', ['exec', WORKER, ...argv], { timeoutMs: 60_000 });
  return result.exitCode === 0 ? result.stdout.trim() : '';
}

interface AgentEnvironment {
  clusters: { nodeAgent?: { nodes: { node: string; containerd?: string; shim?: string }[] } }[];
}

/**
 * The node agent on a multi-node cluster (kind: a control plane and two workers) attached as `existing`:
 * podchurn reaches the nodes only through the agent. A pod is made stuck on a worker the way a hung shim
 * makes one (its shim SIGSTOPped while the pod runs), and the agent on that worker is what says what the
 * runtime holds for it.
 */
describe('node agent on a multi-node kind cluster attached as existing: per-node versions and a stuck pod on a worker', function () {
  this.timeout(600_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-agent-kind-'));
  let kubeconfig = '';
  const stopped: string[] = [];

  before(async function () {
    this.timeout(PROVISION_TIMEOUT_MS);
    await ensureSetUp({ test: true });
    await ensureStoreKeys(CONTAINERD, RUNC, KUBERNETES_KEY, CRI_TOOLS_FOR_NODE);
  });
  before(async () => {
    const image = await runCli(['image', 'node', '--containerd', CONTAINERD, '--runc', RUNC]);
    expect(image.code, image.stderr).to.equal(0);
    const up = await runCli([
      'cluster',
      'up',
      '--provider',
      'kind',
      '--name',
      NAME,
      '--config',
      'clusters/kind-workers-log-query.yaml',
      '--image',
      image.stdout.trim(),
    ]);
    expect(up.code, up.stderr).to.equal(0);
    kubeconfig = up.stdout.trim();
    // What docs/CLUSTERS.md tells a user to do on nodes podchurn does not run; on kind, `kind load` is that import.
    const archive = await runCli(['image', 'node-agent']);
    expect(archive.code, archive.stderr).to.equal(0);
    const loaded = await runCommand('kind', ['load', 'image-archive', archive.stdout.trim(), '--name', NAME], { timeoutMs: 120_000 });
    expect(loaded.exitCode, loaded.stderr).to.equal(0);
  });
  after(async () => {
    for (const pid of stopped) await onWorker(['kill', '-CONT', pid]);
    const down = await runCli(['cluster', 'down', '--provider', 'kind', '--name', NAME]);
    expect(down.code, down.stderr).to.equal(0);
  });

  it("reads the nodes' containerd and kubelet journals through the kubelets' node log query (cluster.nodeLogQuery)", async () => {
    const file = join(work, 'log-query.yaml');
    writeFileSync(
      file,
      toYaml({
        apiVersion: 'podchurn/v1',
        kind: 'Scenario',
        metadata: { name: 'log-query' },
        target: { type: 'kube', kube: { kubeconfig, nodeName: WORKER } },
        cluster: { provider: 'existing', nodeLogQuery: { containerd: 'containerd', kubelet: 'kubelet' } },
        pods: 2,
        cycles: 1,
        gracePeriodSeconds: 1,
        requestTimeoutSeconds: 30,
      }),
    );
    const reports = join(work, 'reports-log-query');
    const result = await runCli(['run', file, '--reports-dir', reports]);
    expect(result.code, result.stderr).to.equal(0);
    const runDir = runDirOf(reports);
    // The worker's containerd journal since the run attached: where the run's signature scan reads node logs.
    const containerd = readFileSync(join(runDir, 'logs', `containerd-${WORKER}-1.log`), 'utf8');
    expect(containerd).to.match(/RunPodSandbox for &PodSandboxMetadata\{Name:log-query-/);
    expect(containerd.match(/StopContainer for .* returns successfully/g) ?? []).to.have.length.of.at.least(2);
    // Only the run's time: the journal is not read from the node's boot.
    expect(containerd).not.to.include('Start cri plugin');
    const exported = join(runDir, 'logs', 'cluster-pc-log-query-1');
    const kubelet = readFileSync(join(exported, `${WORKER}-kubelet.log`), 'utf8');
    expect(kubelet).to.match(/Observed pod startup duration" pod="podchurn-[^/]+\/log-query-c01-r1-y1-0000"/);
    // Every node answered, the control plane too (no run pod there: its files hold what its own units logged).
    expect(readdirSync(exported)).to.include.members([`${NAME}-control-plane-containerd.log`, `${NAME}-worker2-kubelet.log`]);
  });

  it("records every node's runtime and shim versions and containerd timers, and a stuck pod's CRI state comes from its worker's agent", async () => {
    const file = join(work, 'stuck.yaml');
    writeFileSync(
      file,
      toYaml({
        apiVersion: 'podchurn/v1',
        kind: 'Scenario',
        metadata: { name: 'agent-kind' },
        // kind nodes podchurn creates serve containerd's metrics on every address: the agents reach them from the pod network.
        target: { type: 'kube', kube: { kubeconfig, nodeAgent: true, nodeName: WORKER, nodeAgentContainerdMetrics: '0.0.0.0:1338' } },
        cluster: { provider: 'existing' },
        pods: 2,
        cycles: 1,
        holdSeconds: 25,
        gracePeriodSeconds: 1,
        requestTimeoutSeconds: 10,
      }),
    );
    const reports = join(work, 'reports');
    const { done } = spawnCli(['run', file, '--reports-dir', reports]);
    // While the pods are held, their shims on the worker stop answering: their deletion hangs, as with a hung shim.
    const deadline = Date.now() + 120_000;
    let sandboxes: string[] = [];
    while (sandboxes.length < 2 && Date.now() < deadline) {
      sandboxes = (await onWorker(['crictl', 'pods', '-q', '--state', 'ready', '--name', '^agent-kind-'])).split('\n').filter(Boolean);
      if (sandboxes.length < 2) await sleep(500);
    }
    expect(sandboxes, 'the two run pods run on the worker').to.have.length(2);
    for (const sandbox of sandboxes) {
      const pid = await onWorker(['pgrep', '-f', `containerd-shim-runc-v2 -namespace k8s.io -id ${sandbox}`]);
      expect(pid, `the shim of sandbox ${sandbox}`).to.match(/^\d+$/);
      await onWorker(['kill', '-STOP', pid]);
      stopped.push(pid);
    }
    const result = await done;
    expect(result.code, result.stderr).to.equal(0);
    const runDir = runDirOf(reports);

    const environment = JSON.parse(readFileSync(join(runDir, 'environment.json'), 'utf8')) as AgentEnvironment;
    const nodes = environment.clusters[0]!.nodeAgent!.nodes;
    expect(nodes.map((node) => node.node)).to.deep.equal([`${NAME}-control-plane`, WORKER, `${NAME}-worker2`]);
    for (const node of nodes) expect(node, node.node).to.deep.include({ containerd: '1.7.22', shim: 'v1.7.22' });

    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.cells[0]!.outcomes.stuck).to.equal(2);
    // Every node's containerd answered its agent at the cell's start and end (the stuck pods' stops never return,
    // so no count is asserted: the sources and their timers are).
    const metrics = summary.cells[0]!.runtimeMetrics!;
    expect(metrics.sources.filter((source) => source.startsWith('containerd/'))).to.deep.equal(nodes.map((node) => `containerd/${node.node}`));
    expect(metrics.timers.map((timer) => timer.metric)).to.include('containerd_cri_container_stop_seconds');
    expect(summary.leakCheck.leaked).to.deep.equal([]);
    const evidence = readdirSync(join(runDir, 'evidence'));
    expect(evidence).to.have.length(2);
    for (const pod of evidence) {
      const state = readFileSync(join(runDir, 'evidence', pod, 'runtime-state.txt'), 'utf8');
      // The worker's agent answered (not the control plane's), and the runtime still holds the container running.
      expect(state).to.include(`on ${WORKER}`);
      expect(state).to.include(`"pod":"${pod}"`);
      expect(state).to.include('"state":"CONTAINER_RUNNING"');
    }
  });
});
