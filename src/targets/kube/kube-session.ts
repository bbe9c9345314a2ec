import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Api, V1Namespace } from '@kubernetes/client-node';
import { RUN_LABEL } from '../../engine/churn.js';
import type { EventSink } from '../../engine/events.js';
import { InfrastructureError, describeCause } from '../../errors.js';
import { NODE_AGENT_IMAGE, WORKLOAD_IMAGE } from '../../images/builtin-images.js';
import { PodPhaseTracker } from './pod-phases.js';
import { PodWatch } from './pod-watch.js';
import { collectStuckEvidence } from './stuck-evidence.js';
import type { ClusterHandle } from '../../cluster/provider.js';
import { kubeTargetSettings, type CellSettings } from '../../scenario/schema.js';
import type { ClusterRecord } from '../../results/environment.js';
import type { MetricsEndpoint } from '../../results/runtime-metrics.js';
import { connectKube, kubeconfigPath } from '../../cluster/kube-connection.js';
import { NodeAgent } from '../../cluster/node-agent.js';
import { NodeAgentClusterHandle } from '../../cluster/node-agent-handle.js';
import { statusOf } from './api-retry.js';
import { KubeTarget } from './kube-target.js';
import { LeanPodApi } from './lean-pod-api.js';
import { nodeRuntimeStep } from './node-runtime-step.js';
import { TokenBucket } from './token-bucket.js';
import { sleep, type Clock } from '../../util/clock.js';

/** What closing a session found: namespace removal and the run-label leak check. */
export interface KubeCloseReport {
  namespaceRemoved: boolean;
  /** The namespace had to be finalized by podchurn (no namespace controller finished it). */
  namespaceFinalized: boolean;
  leftovers: string[];
  watch: PodWatch['stats'];
}

export interface KubeSession {
  key: string;
  record: ClusterRecord;
  target(cell: string, rep: number, settings: CellSettings): KubeTarget;
  /** Each node's kubelet /metrics through the API's node proxy, and its containerd's where the provider or the node agent reaches it. */
  metricsEndpoints(): Promise<MetricsEndpoint[]>;
  close(): Promise<KubeCloseReport>;
}

const NAMESPACE_GONE_WAIT_MS = 10_000;
/** The run's last log lines wait for a log pass begun after the run's end: one such period. */
const NODE_AGENT_LOG_PERIOD_SECONDS = 1;
/** Time for every node to pull or find the agent's image and print its versions. */
const NODE_AGENT_READY_MS = 90_000;
/** One GET of one object: cheap enough to ask often, so a run ends soon after its namespace has gone. */
const NAMESPACE_POLL_MS = 100;

/** Cells that share this key share one API connection, namespace, watch and rate limit. */
export function kubeSessionKey(settings: CellSettings): string {
  const kube = kubeTargetSettings(settings.target);
  const agent = kube.nodeAgent ? [kube.nodeAgentImage ?? null, kube.nodeAgentCriSocket, kube.nodeAgentContainerdMetrics ?? null] : null;
  return JSON.stringify(['kube', kubeconfigPath(kube), kube.context ?? null, kube.namespacePrefix, kube.qps, kube.burst, agent]);
}

export function namespaceFor(prefix: string, runId: string, instanceNumber: number): string {
  const suffix = instanceNumber > 1 ? `-${instanceNumber}` : '';
  return `${`${prefix}${runId}`.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export interface KubeSessionOptions {
  /** Where evidence of stuck pods goes (<run dir>/evidence). */
  evidenceDir: string;
  /** <run dir>/logs: the node agent's containerd lines about the run go there, to be scanned like any node log. */
  logsDir?: string;
  /** Node access of the cluster, when a provider brought it up: node logs and runtime state join the evidence. */
  cluster?: ClusterHandle;
}

/**
 * Connects to the API, creates the run's namespace (labelled with the run id) and starts the one
 * pod watch whose consumer records every pod's phases for all cells that use this session.
 */
export async function openKubeSession(
  settings: CellSettings,
  runId: string,
  instanceNumber: number,
  events: EventSink,
  clock: Clock,
  options: KubeSessionOptions,
): Promise<KubeSession> {
  const kube = kubeTargetSettings(settings.target);
  const connection = await connectKube(kube);
  const api = connection.kubeConfig.makeApiClient(LeanPodApi);
  const namespace = namespaceFor(kube.namespacePrefix, runId, instanceNumber);
  try {
    await api.createNamespace({ body: { metadata: { name: namespace, labels: { [RUN_LABEL]: runId } } } });
  } catch (error) {
    throw new InfrastructureError(`kube target: creating namespace ${namespace} at ${connection.server} failed: ${describeCause(error)}`, { cause: error });
  }
  try {
    await ensureDefaultServiceAccount(api, namespace);
  } catch (error) {
    await removeNamespace(api, namespace, runId).catch(() => undefined);
    throw new InfrastructureError(`kube target: namespace ${namespace} has no default ServiceAccount: ${describeCause(error)}`, { cause: error });
  }
  // Before any pod of the run: a user who may not run the agent is refused with nothing churned. The agents
  // come up while the first cycle's pods are created; its deletes wait for them (KubeTarget.afterHold).
  let agent: NodeAgent | undefined;
  if (kube.nodeAgent) {
    try {
      agent = await NodeAgent.create({
        kubeConfig: connection.kubeConfig,
        namespace,
        labels: { [RUN_LABEL]: runId },
        podLabel: runId,
        image: kube.nodeAgentImage ?? NODE_AGENT_IMAGE,
        imagePullPolicy: kube.nodeAgentImage ? 'IfNotPresent' : 'Never',
        criSocket: kube.nodeAgentCriSocket,
        logPeriodSeconds: NODE_AGENT_LOG_PERIOD_SECONDS,
        readyTimeoutMs: NODE_AGENT_READY_MS,
        ...(kube.nodeAgentLogFiles ? { logFiles: kube.nodeAgentLogFiles } : {}),
        ...(kube.nodeAgentContainerdMetrics ? { containerdMetrics: kube.nodeAgentContainerdMetrics } : {}),
      });
    } catch (error) {
      await removeNamespace(api, namespace, runId).catch(() => undefined);
      throw error;
    }
    // Waited for by the first delete; a failure meanwhile must not go unhandled.
    agent.ready().catch(() => undefined);
  }
  const cluster = agent
    ? new NodeAgentClusterHandle(agent, options.cluster, { name: namespace, kubeconfig: connection.kubeconfigFile, context: connection.context })
    : options.cluster;
  const tracker = new PodPhaseTracker(events);
  const watch = new PodWatch({
    kubeConfig: connection.kubeConfig,
    namespace,
    labelSelector: `${RUN_LABEL}=${runId}`,
    clock,
    consume: tracker.consume,
    onGap: (gap) => events.run('watch-gap', { namespace, from: gap.from, to: gap.to, reason: gap.reason, inferredDeletions: gap.inferredDeletions }),
  });
  try {
    await watch.start();
  } catch (error) {
    await agent?.remove().catch(() => undefined);
    await removeNamespace(api, namespace, runId).catch(() => undefined);
    throw new InfrastructureError(`kube target: listing pods in ${namespace} failed: ${describeCause(error)}`, { cause: error });
  }
  const bucket = new TokenBucket(kube.qps, kube.burst);
  const record: ClusterRecord = {
    instance: `${runId}-${instanceNumber}`,
    server: connection.server,
    kubeconfig: connection.kubeconfigFile,
    context: connection.context,
    serverVersion: connection.serverVersion,
    namespace,
    cells: [],
    // A getter: environment.json is written again after every cell, by when the agents have reported.
    ...(agent
      ? {
          nodeAgent: {
            image: kube.nodeAgentImage ?? NODE_AGENT_IMAGE,
            get nodes() {
              return agent.records();
            },
          },
        }
      : {}),
  };
  return {
    key: kubeSessionKey(settings),
    record,
    target: (cell, rep, cellSettings) =>
      new KubeTarget({
        api,
        namespace,
        tracker,
        watch,
        bucket,
        events,
        clock,
        runId,
        cell,
        rep,
        settings: cellSettings,
        kube: kubeTargetSettings(cellSettings.target),
        workloadImage: WORKLOAD_IMAGE,
        collectEvidence: (pod) => collectStuckEvidence({ api, namespace, dir: options.evidenceDir, cluster }, pod),
        runtimeStep: nodeRuntimeStep(cellSettings, options.cluster, events, clock, cell),
        ...(agent ? { beforeDeletes: () => agent.settled() } : {}),
        ...(options.cluster?.podShim ? { measureShim: options.cluster.podShim.bind(options.cluster) } : {}),
      }),
    metricsEndpoints: () => metricsEndpoints(api, cluster, Boolean(agent?.scrapesMetrics())),
    async close() {
      await watch.stop();
      // Followed before the agents are stopped: each one's last log pass, made on the way out, ends its lines.
      const agentLines = agent && options.logsDir && agent.readsLog('containerd') ? await agent.followToLastPass('containerd') : undefined;
      // The agent's removal is waited for beside the namespace's: its pods carry no run label, so the namespace
      // check would not wait for them.
      const [agentLeftovers, removal] = await Promise.all([
        agent?.remove().catch((error: unknown) => [`node agent removal failed: ${describeCause(error)}`]) ?? [],
        removeNamespace(api, namespace, runId),
      ]);
      if (agentLines && options.logsDir) await saveAgentLogs(await agentLines.ended, options.logsDir, record.instance);
      const agentAfter = (await agent?.leftovers().catch(() => [])) ?? [];
      return { ...removal, leftovers: [...new Set([...agentLeftovers, ...agentAfter, ...(await leakCheck(api, runId))])], watch: watch.stats };
    },
  };
}

/**
 * The kubelet of every node through the API's node proxy (works on any cluster whose nodes have an
 * address the apiserver reaches), and the node's containerd where the cluster's provider or node agent reaches it.
 * A node list that fails becomes one endpoint whose fetch fails with that error: a note, not a failure.
 */
async function metricsEndpoints(api: CoreV1Api, cluster: ClusterHandle | undefined, throughAgent: boolean): Promise<MetricsEndpoint[]> {
  let nodes: string[];
  try {
    nodes = (await api.listNode()).items.map((node) => node.metadata?.name ?? '').filter(Boolean);
  } catch (error) {
    const failure = describeCause(error);
    return [{ source: 'kubelet', kind: 'kubelet', fetch: () => Promise.reject(new Error(`listing nodes failed: ${failure}`)) }];
  }
  const runtimeMetrics = cluster?.runtimeMetrics?.bind(cluster);
  return nodes.flatMap((node): MetricsEndpoint[] => [
    { source: `kubelet/${node}`, kind: 'kubelet', fetch: () => api.connectGetNodeProxyWithPath({ name: node, path: 'metrics' }) },
    ...(runtimeMetrics
      ? [
          {
            source: `containerd/${node}`,
            kind: 'containerd' as const,
            fetch: (signal: AbortSignal) => runtimeMetrics(node, signal),
            startsBeforeDeletes: throughAgent,
          },
        ]
      : []),
  ]);
}

/**
 * The node agent's containerd lines about the run, per node, as logs/containerd-<node>-agent-<instance>.log:
 * the run's analysis scans every top-level log for runtime signatures, as it does a node log a provider copied.
 */
async function saveAgentLogs(perNode: readonly { node: string; lines: string }[], logsDir: string, instance: string): Promise<void> {
  await Promise.all(perNode.map(({ node, lines }) => writeFile(join(logsDir, `containerd-${node}-agent-${instance}.log`), lines).catch(() => undefined)));
}

const SERVICE_ACCOUNT_WAIT_MS = 30_000;

/**
 * Pods are refused (403, "serviceaccount default not found") until the namespace's `default`
 * ServiceAccount exists, which kube-controller-manager creates shortly after the namespace; on a
 * cluster that has just come up that can take seconds, and every create sent meanwhile would fail.
 * podchurn creates it itself (AlreadyExists means the controller was first); where it may not create
 * ServiceAccounts, it waits for the controller's.
 */
export async function ensureDefaultServiceAccount(api: CoreV1Api, namespace: string): Promise<void> {
  try {
    await api.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } });
    return;
  } catch (error) {
    if (statusOf(error) === 409) return;
    if (statusOf(error) !== 403) throw error;
  }
  const deadline = performance.now() + SERVICE_ACCOUNT_WAIT_MS;
  while (performance.now() < deadline) {
    const found = await api.readNamespacedServiceAccount({ name: 'default', namespace }).then(
      () => true,
      (error: unknown) => {
        if (statusOf(error) === 404) return false;
        throw error;
      },
    );
    if (found) return;
    await sleep(200);
  }
  throw new InfrastructureError(
    `it did not appear within ${SERVICE_ACCOUNT_WAIT_MS / 1000} s and podchurn may not create it (is kube-controller-manager running?)`,
  );
}

/**
 * Deletes the namespace and waits for it to go. Without a namespace controller (a bare API server)
 * it would stay Terminating for ever: once it holds none of the run's pods, podchurn finalizes it,
 * which is the controller's last step too.
 */
async function removeNamespace(api: CoreV1Api, namespace: string, runId: string): Promise<Omit<KubeCloseReport, 'leftovers' | 'watch'>> {
  await api.deleteNamespace({ name: namespace }).catch((error: unknown) => {
    if (statusOf(error) !== 404) throw error;
  });
  const deadline = performance.now() + NAMESPACE_GONE_WAIT_MS;
  while (performance.now() < deadline) {
    if (!(await readNamespace(api, namespace))) return { namespaceRemoved: true, namespaceFinalized: false };
    await sleep(NAMESPACE_POLL_MS);
  }
  const pods = await api.listNamespacedPod({ namespace, labelSelector: `${RUN_LABEL}=${runId}` });
  const current = await readNamespace(api, namespace);
  if (pods.items.length === 0 && current) {
    await api.replaceNamespaceFinalize({ name: namespace, body: { ...current, spec: { finalizers: [] } } });
    for (let i = 0; i < 20 && (await readNamespace(api, namespace)); i++) await sleep(250);
    return { namespaceRemoved: !(await readNamespace(api, namespace)), namespaceFinalized: true };
  }
  return { namespaceRemoved: false, namespaceFinalized: false };
}

async function readNamespace(api: CoreV1Api, name: string): Promise<V1Namespace | undefined> {
  try {
    return await api.readNamespace({ name });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Anything in the cluster still carrying the run label: pods in any namespace, and namespaces. */
export async function leakCheck(api: CoreV1Api, runId: string): Promise<string[]> {
  const selector = `${RUN_LABEL}=${runId}`;
  const [pods, namespaces] = await Promise.all([api.listPodForAllNamespaces({ labelSelector: selector }), api.listNamespace({ labelSelector: selector })]);
  return [
    ...pods.items.map((p) => `pod/${p.metadata?.name ?? 'unknown'} in ${p.metadata?.namespace ?? '?'}`),
    ...namespaces.items.map((n) => `namespace/${n.metadata?.name ?? 'unknown'} (${n.status?.phase ?? 'unknown'})`),
  ];
}
