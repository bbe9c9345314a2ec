import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { expect } from 'chai';
import { stringify as toYaml } from 'yaml';
import { NodeAgent } from '../../src/cluster/node-agent.js';
import { NodeAgentClusterHandle } from '../../src/cluster/node-agent-handle.js';
import { localClusterLayout } from '../../src/cluster/providers/local/layout.js';
import { NODE_AGENT_IMAGE, WORKLOAD_IMAGE } from '../../src/images/builtin-images.js';
import { RuntimeStore } from '../../src/runtime/store.js';
import { collectStuckEvidence } from '../../src/targets/kube/stuck-evidence.js';
import { sleep } from '../../src/util/clock.js';
import { runCommand } from '../../src/util/exec.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { clusterLeftovers } from '../helpers/local-cluster-leftovers.js';
import { KUBERNETES_KEY, provisionStoreKeys } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';
import type { RunSummary } from '../../src/results/summary.js';

const CONTAINERD_KEY = 'containerd@1.7.22';
const RUNC_KEY = 'runc@1.1.14';
const CRI_TOOLS_KEY = 'cri-tools@1.34.0';

interface AgentEnvironment {
  clusters: {
    namespace: string;
    nodeAgent?: {
      image: string;
      nodes: { node: string; runtimeName?: string; containerd?: string; shim?: string; shims: { path: string; version: string; processes: number }[] }[];
    };
  }[];
}

/**
 * A local cluster (real etcd, apiserver, controllers, kubelet, containerd 1.7.22) attached to as an
 * `existing` one: podchurn reaches its node only through the node agent. The agent's image is put on the
 * node the way docs/CLUSTERS.md tells a user to: `podchurn image node-agent`, then ctr import on the node.
 */
describe('node agent on an existing cluster (a local cluster attached by kubeconfig)', function () {
  this.timeout(300_000);
  const name = 'pc-node-agent';
  const layout = localClusterLayout(name);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-node-agent-'));
  let kubeconfig = '';
  const scenario = (file: string, kube: Record<string, unknown>, overrides: Record<string, unknown> = {}) => {
    const path = join(work, `${file}.yaml`);
    writeFileSync(
      path,
      toYaml({
        apiVersion: 'podchurn/v1',
        kind: 'Scenario',
        metadata: { name: file },
        target: { type: 'kube', kube: { nodeAgent: true, nodeAgentCriSocket: layout.containerdSocket, ...kube } },
        cluster: { provider: 'existing' },
        pods: 2,
        cycles: 1,
        gracePeriodSeconds: 1,
        requestTimeoutSeconds: 30,
        ...overrides,
      }),
    );
    return path;
  };

  before(provisionStoreKeys(KUBERNETES_KEY, CONTAINERD_KEY, RUNC_KEY, CRI_TOOLS_KEY));
  before(async function () {
    this.timeout(240_000);
    const up = await runCli(['cluster', 'up', '--provider', 'local', '--name', name, '--containerd', CONTAINERD_KEY, '--runc', RUNC_KEY]);
    expect(up.code, up.stderr).to.equal(0);
    kubeconfig = up.stdout.trim();
    const archive = await runCli(['image', 'node-agent']);
    expect(archive.code, archive.stderr).to.equal(0);
    const imported = await runCommand('ctr', ['--address', layout.containerdSocket, '--namespace', 'k8s.io', 'images', 'import', archive.stdout.trim()]);
    expect(imported.exitCode, imported.stderr).to.equal(0);
  });
  after(async function () {
    this.timeout(120_000);
    const down = await runCli(['cluster', 'down', '--provider', 'local', '--name', name]);
    expect(down.code, down.stderr).to.equal(0);
    expect(await clusterLeftovers(name)).to.deep.equal([]);
  });

  it("a run with the agent records the node's runtime and shim versions from it, and the agent is gone afterwards", async () => {
    const reports = join(work, 'reports-on');
    const containerdLog = join(layout.logDir, 'containerd.log');
    const run = await runCli(['run', scenario('agent-on', { kubeconfig, nodeAgentLogFiles: { containerd: containerdLog } }), '--reports-dir', reports]);
    expect(run.code, run.stderr).to.equal(0);
    const runDir = runDirOf(reports);
    const environment = JSON.parse(readFileSync(join(runDir, 'environment.json'), 'utf8')) as AgentEnvironment;
    const [session] = environment.clusters;
    expect(session!.nodeAgent!.image).to.equal(NODE_AGENT_IMAGE);
    const [node] = session!.nodeAgent!.nodes;
    expect(node!.node).to.equal(`${name}-node`);
    expect(node!.runtimeName).to.equal('containerd');
    // crictl version over the node's CRI socket, and the shim's own -v (the agent's own pod runs on one).
    expect(node!.containerd).to.equal('1.7.22');
    expect(node!.shim).to.equal('v1.7.22');
    // The store's own path (PODCHURN_CACHE_DIR moves it), as the local cluster's containerd put it first on PATH.
    expect(node!.shims.map((shim) => shim.path)).to.deep.equal([join(new RuntimeStore().root, CONTAINERD_KEY, 'bin/containerd-shim-runc-v2')]);

    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as {
      status: string;
      leakCheck: { leaked: string[] };
      cells: { runtime: { containerd: string } }[];
    };
    expect(summary.status).to.equal('completed');
    // The cell's runtime in every report is the agent's measurement, not the API's claim.
    expect(summary.cells[0]!.runtime.containerd).to.equal('1.7.22');
    // containerd's lines about the run's pods, saved where the log-signature scan reads node logs.
    const agentLogs = readdirSync(join(runDir, 'logs')).filter((file) => file.startsWith(`containerd-${name}-node-agent-`));
    expect(agentLogs).to.have.length(1);
    const agentLog = readFileSync(join(runDir, 'logs', agentLogs[0]!), 'utf8');
    expect(agentLog).to.include('Namespace:podchurn-');
    expect(agentLog).to.match(/StopContainer for .* returns successfully/);
    // Nothing before the agent's own stop is lost: every line of the node's containerd log that names one of the
    // run's containers or sandboxes, written before containerd stopped the agent (the last stop of the run
    // namespace), is among the agent's lines. The end of the run waits for no log pass of its own: the agent makes
    // its last one when stopped.
    expect(agentLog).not.to.include('ended without its last log pass');
    const agentStop = [...agentLog.matchAll(/^time="([^"]+)".*Stop container .* with signal terminated/gm)].at(-1)?.[1];
    expect(agentStop, 'containerd stopped the agent').to.be.a('string');
    const runIds = new Set(agentLog.match(/[0-9a-f]{64}/g));
    const saved = new Set(agentLog.split('\n'));
    const missed = readFileSync(containerdLog, 'utf8')
      .split('\n')
      .filter((line) => (line.match(/[0-9a-f]{64}/g) ?? []).some((id) => runIds.has(id)))
      .filter((line) => (/^time="([^"]+)"/.exec(line)?.[1] ?? '') < agentStop!)
      .filter((line) => !saved.has(line));
    expect(missed).to.deep.equal([]);
    expect(summary.leakCheck.leaked).to.deep.equal([]);
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfig);
    const core = admin.makeApiClient(CoreV1Api);
    const agents = await core.listPodForAllNamespaces({ labelSelector: 'podchurn.io/node-agent' });
    expect(agents.items.map((pod) => pod.metadata?.name)).to.deep.equal([]);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((ns) => ns.metadata?.name)).not.to.include(session!.namespace);
  });

  it("scrapes containerd's CRI timers through the agent at the cell's start and end, on a metrics address only the node reaches", async () => {
    // The local cluster's containerd serves its metrics on a loopback port, as most nodes' configs do.
    const { containerdMetrics } = JSON.parse(readFileSync(layout.stateFile, 'utf8')) as { containerdMetrics: string };
    expect(containerdMetrics).to.match(/^127\.0\.0\.1:\d+$/);
    const reports = join(work, 'reports-metrics');
    const run = await runCli(['run', scenario('agent-metrics', { kubeconfig, nodeAgentContainerdMetrics: containerdMetrics }), '--reports-dir', reports]);
    expect(run.code, run.stderr).to.equal(0);
    const summary = JSON.parse(readFileSync(join(runDirOf(reports), 'summary.json'), 'utf8')) as RunSummary;
    const metrics = summary.cells[0]!.runtimeMetrics!;
    expect(metrics.sources).to.deep.equal([`containerd/${name}-node`, `kubelet/${name}-node`]);
    expect(metrics.notes).to.deep.equal([]);
    const containerStop = metrics.timers.find((timer) => timer.metric === 'containerd_cri_container_stop_seconds')!;
    // Both of the cell's pods, stopped between the two scrapes; the agent's own stop comes after the cell's end.
    expect(containerStop.count).to.equal(2);
    expect(containerStop.p50Ms).to.be.greaterThan(0);
    expect(summary.leakCheck.leaked).to.deep.equal([]);
  });

  it("gives a stuck pod's evidence the runtime's state of its container and containerd's lines about it, through the agent's log", async () => {
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfig);
    const core = admin.makeApiClient(CoreV1Api);
    const namespace = 'agent-state';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    let agent: NodeAgent | undefined;
    try {
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } }).catch(() => undefined);
      agent = await NodeAgent.deploy({
        kubeConfig: admin,
        namespace,
        labels: {},
        podLabel: 'state-test',
        image: NODE_AGENT_IMAGE,
        imagePullPolicy: 'Never',
        criSocket: layout.containerdSocket,
        logPeriodSeconds: 1,
        readyTimeoutMs: 60_000,
        logFiles: { containerd: join(layout.logDir, 'containerd.log') },
      });
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'held' },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'workload', image: WORKLOAD_IMAGE, imagePullPolicy: 'Never' }] },
        },
      });
      let containerId = '';
      for (let i = 0; i < 60 && !containerId; i++) {
        const pod = await core.readNamespacedPod({ name: 'held', namespace });
        if (pod.status?.containerStatuses?.[0]?.state?.running) containerId = pod.status.containerStatuses[0].containerID?.replace(/^[a-z]+:\/\//, '') ?? '';
        else await sleep(500);
      }
      expect(containerId, 'the pod runs').not.to.equal('');
      const handle = new NodeAgentClusterHandle(agent, undefined, { name, kubeconfig, context: 'podchurn' });
      const dir = await collectStuckEvidence({ api: core, namespace, dir: join(work, 'evidence') }, 'held');
      // Without node access the evidence has the API side only; with the agent it has the runtime's own view.
      expect(() => readFileSync(join(dir, 'runtime-state.txt'), 'utf8')).to.throw();
      const withAgent = await collectStuckEvidence({ api: core, namespace, dir: join(work, 'evidence-agent'), cluster: handle }, 'held');
      const state = readFileSync(join(withAgent, 'runtime-state.txt'), 'utf8');
      expect(state).to.include(`"id":"${containerId}"`);
      expect(state).to.include('"state":"CONTAINER_RUNNING"');
      expect(state).to.include('"pidAlive":true');
      expect(state).to.include('"pod":"held"');
      // containerd's own log file on the node, read by the agent: its lines naming that container.
      const containerdLines = readFileSync(join(withAgent, 'containerd.log'), 'utf8');
      // containerd's log is logfmt: the quotes inside msg are escaped.
      expect(containerdLines, containerdLines).to.include(`StartContainer for \\"${containerId}\\" returns successfully`);
      expect(
        containerdLines
          .trim()
          .split('\n')
          .every((line) => line.includes(containerId) || line.includes('held')),
      ).to.equal(true);
      expect(readFileSync(join(withAgent, 'kubelet.log'), 'utf8')).to.include('could not be collected');
      expect(await agent.remove()).to.deep.equal([]);
      agent = undefined;
    } finally {
      await agent?.remove().catch(() => undefined);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
  });

  it('cluster.nodeLogQuery on kubelets that do not answer node log queries: exit 3 saying how to enable them, before the run creates anything', async () => {
    const file = join(work, 'no-log-query.yaml');
    writeFileSync(
      file,
      toYaml({
        apiVersion: 'podchurn/v1',
        kind: 'Scenario',
        metadata: { name: 'no-log-query' },
        target: { type: 'kube', kube: { kubeconfig } },
        cluster: { provider: 'existing', nodeLogQuery: { containerd: 'containerd' } },
        pods: 2,
        cycles: 1,
      }),
    );
    const run = await runCli(['run', file, '--reports-dir', join(work, 'reports-no-log-query')]);
    expect(run.code, run.stderr).to.equal(3);
    // This kubelet runs without the NodeLogQuery gate: its /logs/ is the plain /var/log file server.
    expect(run.stderr).to.include(`node log query for containerd on node ${name}-node`);
    expect(run.stderr).to.include('/var/log listing');
    expect(run.stderr).to.include('NodeLogQuery feature gate');
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfig);
    const namespaces = await admin.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((ns) => ns.metadata?.name ?? '').filter((ns) => ns.includes('no-log-query'))).to.deep.equal([]);
  });

  it('SIGINT while the agent runs: exit 130, the DaemonSet and its pods gone with the run', async () => {
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfig);
    const core = admin.makeApiClient(CoreV1Api);
    const reports = join(work, 'reports-sigint');
    const file = scenario('agent-sigint', { kubeconfig }, { pods: 2, cycles: 1, holdSeconds: 60 });
    const { child, done } = spawnCli(['run', file, '--reports-dir', reports]);
    const deadline = Date.now() + 90_000;
    while ((await core.listPodForAllNamespaces({ labelSelector: 'podchurn.io/run' })).items.length < 2 && Date.now() < deadline) await sleep(250);
    expect((await core.listPodForAllNamespaces({ labelSelector: 'podchurn.io/node-agent' })).items, 'the agent runs').to.have.length(1);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code, result.stderr).to.equal(130);
    expect((await core.listPodForAllNamespaces({ labelSelector: 'podchurn.io/node-agent' })).items.map((pod) => pod.metadata?.name)).to.deep.equal([]);
    expect((await core.listNamespace({ labelSelector: 'podchurn.io/run' })).items.map((ns) => ns.metadata?.name)).to.deep.equal([]);
    const summary = JSON.parse(readFileSync(join(runDirOf(reports), 'summary.json'), 'utf8')) as { status: string; leakCheck: { leaked: string[] } };
    expect(summary.status).to.equal('interrupted');
    expect(summary.leakCheck.leaked).to.deep.equal([]);
  });

  it('an agent image the node does not have and cannot pull: exit 3 saying how to put it there, the run namespace removed', async () => {
    const reports = join(work, 'reports-no-image');
    const image = 'podchurn.local/node-agent:absent';
    const run = await runCli(['run', scenario('agent-no-image', { kubeconfig, nodeAgentImage: image }), '--reports-dir', reports]);
    expect(run.code, run.stderr).to.equal(3);
    expect(run.stderr).to.match(/cannot start: (ErrImagePull|ImagePullBackOff)/);
    expect(run.stderr).to.include('ctr -n k8s.io images import');
    expect(run.stderr).to.include(image);
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfig);
    const core = admin.makeApiClient(CoreV1Api);
    expect((await core.listNamespace({ labelSelector: 'podchurn.io/run' })).items.map((ns) => ns.metadata?.name)).to.deep.equal([]);
    expect((await core.listPodForAllNamespaces({ labelSelector: 'podchurn.io/node-agent' })).items.map((pod) => pod.metadata?.name)).to.deep.equal([]);
  });

  /**
   * Runs body with a kubeconfig of a ServiceAccount holding only these rules (a token, so the API's own
   * authorization decides, as it would for a CI job's account), removing the account and its role afterwards.
   */
  const asLimitedUser = async (account: string, rules: V1PolicyRule[], body: (kubeconfig: string) => Promise<void>) => {
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfig);
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const subject = { name: account, namespace: 'default' };
    await core.createNamespacedServiceAccount({ namespace: subject.namespace, body: { metadata: { name: account } } });
    await rbac.createClusterRole({ body: { metadata: { name: account }, rules } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: account },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: account },
        subjects: [{ kind: 'ServiceAccount', ...subject }],
      },
    });
    try {
      const token = await core.createNamespacedServiceAccountToken({ ...subject, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
      const cluster = admin.getCurrentCluster()!;
      const limited = join(work, `${account}.kubeconfig`);
      writeFileSync(
        limited,
        toYaml({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'c',
              cluster: {
                server: cluster.server,
                'certificate-authority': cluster.caFile,
                ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
              },
            },
          ],
          users: [{ name: account, user: { token: token.status?.token } }],
          contexts: [{ name: 'limited', context: { cluster: 'c', user: account } }],
          'current-context': 'limited',
        }),
      );
      await body(limited);
      // Nothing of the run was created: no pod anywhere in the cluster but the cluster's own, no run namespace left.
      const pods = await core.listPodForAllNamespaces({ labelSelector: 'podchurn.io/run' });
      expect(pods.items.map((pod) => pod.metadata?.name)).to.deep.equal([]);
      const namespaces = await core.listNamespace({ labelSelector: 'podchurn.io/run' });
      expect(namespaces.items.map((ns) => ns.metadata?.name)).to.deep.equal([]);
    } finally {
      await rbac.deleteClusterRoleBinding({ name: account }).catch(() => undefined);
      await rbac.deleteClusterRole({ name: account }).catch(() => undefined);
      await core.deleteNamespacedServiceAccount(subject).catch(() => undefined);
    }
  };
  /** What a run needs without the agent: namespaces, pods (and their logs and events), ServiceAccounts, nodes. */
  const RUN_RULES: V1PolicyRule[] = [
    { apiGroups: [''], resources: ['namespaces', 'pods', 'pods/log', 'serviceaccounts', 'events'], verbs: ['*'] },
    { apiGroups: [''], resources: ['nodes', 'nodes/proxy'], verbs: ['get', 'list'] },
  ];

  it('a user who may not create DaemonSets is refused (exit 3, the permission named) before any pod of the run is created', async () => {
    await asLimitedUser('no-daemonsets', RUN_RULES, async (limited) => {
      const run = await runCli(['run', scenario('agent-denied', { kubeconfig: limited }), '--reports-dir', join(work, 'reports-denied')]);
      expect(run.code, run.stderr).to.equal(3);
      expect(run.stderr).to.include('may not create apps/daemonsets');
      expect(run.stderr).to.include('target.kube.nodeAgent');
    });
  });

  it("a user who may not exec into the agent's pods is refused (exit 3, pods/exec named) before any pod of the run", async () => {
    const agentRules: V1PolicyRule[] = [...RUN_RULES, { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['create', 'get', 'delete'] }];
    await asLimitedUser('no-exec', agentRules, async (limited) => {
      const run = await runCli(['run', scenario('agent-no-exec', { kubeconfig: limited }), '--reports-dir', join(work, 'reports-no-exec')]);
      expect(run.code, run.stderr).to.equal(3);
      expect(run.stderr).to.include('may not create pods/exec');
      expect(run.stderr).to.include('target.kube.nodeAgent');
    });
  });
});
