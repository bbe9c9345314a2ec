import { ApiException, AppsV1Api, AuthorizationV1Api, CoreV1Api, type KubeConfig, type V1DaemonSet, type V1Pod } from '@kubernetes/client-node';
import { InfrastructureError, describeCause } from '../errors.js';
import { sleep } from '../util/clock.js';
import { followAgentLog } from './node-agent-last-pass.js';
import { execInPod } from './pod-exec.js';
import { type ContainersReport, type Report, type VersionsReport, parseReports, unitLines } from './node-agent-reports.js';
import type { NodeRuntimeVersions, NodeUnit } from './provider.js';

/** The DaemonSet's name in the run's namespace (one agent per run namespace). */
export const NODE_AGENT_NAME = 'podchurn-node-agent';
/** The label of the agent's pods: not the run label, so the run's pod watch never sees them. */
export const NODE_AGENT_LABEL = 'podchurn.io/node-agent';
/** Where the agent finds the node's CRI socket (mounted read-only from the host path). */
const SOCKET_IN_POD = '/run/podchurn/cri.sock';

/** One group of containerd shim processes on a node: same binary, same `-v` version. */
export interface ShimGroup {
  /** /proc/PID/exe of the shims ("(deleted)" when the file was replaced since they started). */
  path: string;
  version: string;
  processes: number;
}

/** What the agent says about its node, as environment.json records it. */
export interface NodeAgentNodeRecord extends NodeRuntimeVersions {
  /** crictl version: RuntimeName, e.g. containerd. */
  runtimeName?: string;
  runtimeApiVersion?: string;
  /** Every shim binary running on the node, with the processes running it. */
  shims: ShimGroup[];
  /** The agent pod that reported it. */
  pod: string;
}

export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Labels of the DaemonSet object itself (the run label: the leak check finds it). */
  labels: Record<string, string>;
  /** Value of NODE_AGENT_LABEL on the agent's pods (the run id). */
  podLabel: string;
  image: string;
  /** Never for podchurn's own image (imported on the nodes, never pulled); IfNotPresent for an image the user names. */
  imagePullPolicy: 'Never' | 'IfNotPresent';
  /** The CRI socket's path on the nodes. */
  criSocket: string;
  /** Between two passes over the log files (cheap: the bytes appended since the last pass). */
  logPeriodSeconds: number;
  readyTimeoutMs: number;
  /** Plain-text log files on the nodes (each must exist on every node), mounted read-only; the agent reports their lines about the run. */
  logFiles?: Partial<Record<NodeUnit, string>>;
  /** containerd's metrics address on the nodes (host:port, as its config's [metrics] address): podchurn scrapes it through the agent. */
  containerdMetrics?: string;
}

interface Permission {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
}

/** The permissions podchurn itself needs to run the agent, as a Role would list them. */
const NEEDED_PERMISSIONS: readonly Permission[] = [
  { group: 'apps', resource: 'daemonsets', verb: 'create' },
  { group: 'apps', resource: 'daemonsets', verb: 'delete' },
  { group: 'apps', resource: 'daemonsets', verb: 'get' },
  { group: '', resource: 'pods', subresource: 'log', verb: 'get' },
  // What podchurn asks at a given moment (a stuck pod's CRI state, containerd's metrics) is a command run in the agent's container.
  { group: '', resource: 'pods', subresource: 'exec', verb: 'create' },
];

/** A metrics address only the node itself reaches: the agent then shares the host's network namespace. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Waiting reasons that no amount of waiting fixes: the image is not on the node, or the agent cannot start. */
const HOPELESS_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CrashLoopBackOff',
]);

function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** How to get podchurn's agent image onto nodes it does not run: said wherever the image is missing. */
export function imageHelp(image: string): string {
  return (
    `Import podchurn's archive on every node (podchurn image path node-agent prints it; on the node: ` +
    `ctr -n k8s.io images import <archive>), or push it to a registry the nodes pull from and name it in target.kube.nodeAgentImage; ` +
    `or remove target.kube.nodeAgent. Image: ${image}`
  );
}

/**
 * podchurn's node agent on a cluster: a DaemonSet in the run's namespace whose pods print one JSON
 * report per line (images/node-agent/agent.sh), read back through the API's pod log. It needs no API
 * access of its own (no token mounted); podchurn needs to create, read and delete DaemonSets in the
 * run's namespace and to read pod logs, and checks that before it creates anything.
 */
export class NodeAgent {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  /** The versions report of each node, read once when the agent came up. */
  private readonly reports = new Map<string, { pod: string; report: VersionsReport }>();
  private readiness: Promise<void> | undefined;
  /** containerd metrics questions not yet answered. */
  private readonly questions = new Set<Promise<string>>();

  private constructor(private readonly options: NodeAgentOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.apps = options.kubeConfig.makeApiClient(AppsV1Api);
  }

  /**
   * Checks podchurn's permissions and creates the DaemonSet: a user who may not run the agent is refused here.
   * The agents' first reports come later (`ready`), so a run can create its pods meanwhile.
   */
  static async create(options: NodeAgentOptions): Promise<NodeAgent> {
    await checkPermissions(options.kubeConfig, options.namespace);
    const agent = new NodeAgent(options);
    try {
      await agent.apps.createNamespacedDaemonSet({ namespace: options.namespace, body: daemonSet(options) });
    } catch (error) {
      if (statusCode(error) === 403) {
        throw new InfrastructureError(
          `node agent: this kubeconfig's user may not create DaemonSets (apps/daemonsets, verb create) in namespace ${options.namespace}: ` +
            `${describeCause(error)}. Grant it (docs/CLUSTERS.md lists the Role), or remove target.kube.nodeAgent.`,
          { cause: error },
        );
      }
      throw new InfrastructureError(`node agent: creating its DaemonSet in ${options.namespace} failed: ${describeCause(error)}`, { cause: error });
    }
    return agent;
  }

  /** `create`, then waits until every node's agent has reported its versions; removes the agent again when they do not. */
  static async deploy(options: NodeAgentOptions): Promise<NodeAgent> {
    const agent = await NodeAgent.create(options);
    try {
      await agent.ready();
    } catch (error) {
      await agent.remove().catch(() => undefined);
      throw error;
    }
    return agent;
  }

  /** Resolves once every node's agent has reported its versions (the first call starts the wait; later ones share it). */
  ready(): Promise<void> {
    this.readiness ??= this.waitForReports();
    return this.readiness;
  }

  /** Per node: what its agent measured (runtime version from CRI, every shim binary running and its version). */
  records(): NodeAgentNodeRecord[] {
    return [...this.reports.values()]
      .map(({ pod, report }) => {
        const shims = report.shims.map((shim) => ({ path: shim.path, version: shim.version, processes: shim.processes }));
        const mostRun = [...shims].sort((a, b) => b.processes - a.processes)[0];
        return {
          node: report.node,
          pod,
          ...(report.runtimeName ? { runtimeName: report.runtimeName } : {}),
          ...(report.runtimeVersion ? { containerd: report.runtimeVersion.replace(/^v/, '') } : {}),
          ...(report.runtimeApiVersion ? { runtimeApiVersion: report.runtimeApiVersion } : {}),
          ...(mostRun?.version ? { shim: mostRun.version } : {}),
          shims,
        };
      })
      .sort((a, b) => a.node.localeCompare(b.node));
  }

  /** The nodes whose agent has reported (all of them once `ready` resolved). */
  nodes(): string[] {
    return [...this.reports.keys()].sort();
  }

  /**
   * What the node's runtime says about one container, asked of the node's agent now (`podchurn-node-agent
   * containers`, an exec in its container): the state is fresh, not from before the pod got stuck.
   */
  async runtimeState(node: string, containerId: string): Promise<string> {
    const { pod, output } = await this.ask(node, 'containers');
    const latest = parseReports(output).find((report): report is ContainersReport => report.kind === 'containers');
    if (!latest) throw new InfrastructureError(`node agent ${pod} on ${node} answered no containers report: ${output.slice(0, 200)}`);
    const state = latest.containers.find((container) => container.id === containerId);
    const header = `node agent ${pod} on ${node}, crictl inspect at ${latest.time}:\n`;
    if (!state) return `${header}container ${containerId} is not known to the runtime (removed, or never created there)\n`;
    const note =
      state.state === 'CONTAINER_RUNNING' && !state.pidAlive
        ? ' (RUNNING with its process gone: a lost exit)'
        : state.state === 'INSPECT_FAILED'
          ? ' (the runtime did not answer crictl inspect for it within 10 s)'
          : '';
    return `${header}${JSON.stringify(state)}${note}\n`;
  }

  /** Whether podchurn scrapes containerd's metrics through the agent (target.kube.nodeAgentContainerdMetrics). */
  scrapesMetrics(): boolean {
    return Boolean(this.options.containerdMetrics);
  }

  /**
   * containerd's CRI timers on the node, fetched by the node's agent when asked (an exec in its container), so a
   * cell's scrape is taken at the moment it asks. The first one waits for the agents to come up.
   */
  containerdMetrics(node: string, signal?: AbortSignal): Promise<string> {
    // Tracked from the call on: `settled` (a cell's first delete) waits for it.
    const answer = this.ready().then(async () => (await this.ask(node, 'metrics', signal)).output);
    this.questions.add(answer);
    const forget = () => this.questions.delete(answer);
    answer.then(forget, forget);
    return answer;
  }

  /**
   * Resolves once every node's agent has come up and every metrics question asked so far is answered: a cell's
   * deletes wait for it, so a scrape begun at the cell's start is taken before its first stop.
   */
  async settled(): Promise<void> {
    await this.ready();
    await Promise.allSettled([...this.questions]);
  }

  /** Runs one of the agent's commands in the node's agent container and returns what it printed. */
  private async ask(node: string, command: 'containers' | 'metrics', signal?: AbortSignal): Promise<{ pod: string; output: string }> {
    const entry = this.reports.get(node);
    if (!entry) throw new InfrastructureError(`node agent: no agent reported from node ${node}`);
    const { kubeConfig, namespace } = this.options;
    const target = { namespace, pod: entry.pod, container: 'agent' };
    return { pod: entry.pod, output: await execInPod(kubeConfig, target, ['/podchurn-node-agent', command], signal) };
  }

  /** Whether the agent reads this unit's log file on the nodes. */
  readsLog(unit: NodeUnit): boolean {
    return Boolean(this.options.logFiles?.[unit]);
  }

  /**
   * The lines of the unit's log file about the run's containers that the node's agent reported since it
   * started, up to its first log pass begun after this call.
   */
  async logLines(node: string, unit: NodeUnit): Promise<string> {
    return unitLines(await this.reportsAfterNextTick(node), unit);
  }

  /**
   * Starts following every node's agent log; call it before anything stops the agents (`remove`, or the run
   * namespace's deletion). Stopped, an agent makes one more log pass at once, which holds every line written
   * before the stop, and exits: the run's end waits for no pass of its own. Resolves once every stream is open,
   * with the wait for each node's lines of the unit. A node whose stream cannot be opened is read the mid-run
   * way first; one whose agent ended without its last pass gets its lines and a note saying so.
   */
  async followToLastPass(unit: NodeUnit, limitMs = 30_000): Promise<{ ended: Promise<{ node: string; lines: string }[]> }> {
    const { kubeConfig, namespace } = this.options;
    // Each node's wait is kept inside an object: an async function returning the promise itself would wait for it.
    const perNode = await Promise.all(
      [...this.reports].map(async ([node, { pod }]) => {
        const follow = await followAgentLog(kubeConfig, namespace, pod, limitMs).catch(() => undefined);
        if (!follow) {
          const lines = await this.logLines(node, unit).catch(
            (error: unknown) => `podchurn: the node agent's lines could not be read: ${describeCause(error)}\n`,
          );
          return { ended: Promise.resolve({ node, lines }) };
        }
        const ended = follow.ended.then(({ reports, complete }) => {
          const lines = unitLines(reports, unit);
          if (complete) return { node, lines };
          const lastTime = reports.at(-1)?.time ?? 'its start';
          return { node, lines: `${lines}podchurn: the node agent ${pod} ended without its last log pass: lines written after ${lastTime} may be missing\n` };
        });
        return { ended };
      }),
    );
    return { ended: Promise.all(perNode.map((node) => node.ended)) };
  }

  /**
   * Every report the node's agent printed since it started, once it has printed a tick ending a log pass that
   * began after this call. Stamps have whole seconds, so a tick counts only from the second after the question's.
   */
  private async reportsAfterNextTick(node: string): Promise<Report[]> {
    const entry = this.reports.get(node);
    if (!entry) throw new InfrastructureError(`node agent: no agent reported from node ${node}`);
    const freshFrom = Math.floor(Date.now() / 1000) * 1000 + 1000;
    const { namespace, logPeriodSeconds } = this.options;
    const read = async (sinceSeconds?: number) =>
      parseReports(await this.core.readNamespacedPodLog({ name: entry.pod, namespace, container: 'agent', ...(sinceSeconds ? { sinceSeconds } : {}) }));
    const waitSeconds = logPeriodSeconds * 2 + 10;
    const deadline = performance.now() + waitSeconds * 1000;
    while (performance.now() < deadline) {
      // Polled over a short window of the log; the whole log, which grows with the run, is read once.
      const recent = await read(logPeriodSeconds * 3 + 5);
      if (recent.some((report) => report.kind === 'tick' && Date.parse(report.time) >= freshFrom)) return read();
      await sleep(250);
    }
    throw new InfrastructureError(`node agent ${entry.pod} on ${node} printed no tick within ${waitSeconds} s`);
  }

  /** Deletes the DaemonSet and waits for its pods to go; returns what is still there (a leak). */
  async remove(timeoutMs = 30_000): Promise<string[]> {
    const { namespace } = this.options;
    await this.apps.deleteNamespacedDaemonSet({ name: NODE_AGENT_NAME, namespace, propagationPolicy: 'Background' }).catch((error: unknown) => {
      if (statusCode(error) !== 404) throw error;
    });
    const deadline = performance.now() + timeoutMs;
    let left: string[] = [];
    do {
      left = await this.leftovers();
      if (left.length === 0) return [];
      await sleep(250);
    } while (performance.now() < deadline);
    return left;
  }

  /** The agent's DaemonSet and pods still in the namespace. */
  async leftovers(): Promise<string[]> {
    const { namespace } = this.options;
    const daemonSet = await this.apps.readNamespacedDaemonSet({ name: NODE_AGENT_NAME, namespace }).then(
      (found) => [`daemonset/${found.metadata?.name ?? NODE_AGENT_NAME} in ${namespace}`],
      (error: unknown) => {
        if (statusCode(error) === 404) return [];
        throw error;
      },
    );
    return [...daemonSet, ...(await this.agentPods()).map((pod) => `pod/${pod.metadata?.name ?? '?'} in ${namespace} (node agent)`)];
  }

  private async agentPods(): Promise<V1Pod[]> {
    const { namespace, podLabel } = this.options;
    return (await this.core.listNamespacedPod({ namespace, labelSelector: `${NODE_AGENT_LABEL}=${podLabel}` })).items;
  }

  /** Until every pod the DaemonSet wants has printed its versions line; a pod that cannot start fails at once. */
  private async waitForReports(): Promise<void> {
    const { namespace, readyTimeoutMs, image } = this.options;
    const deadline = performance.now() + readyTimeoutMs;
    let situation = 'the DaemonSet controller has not scheduled any agent pod';
    while (performance.now() < deadline) {
      const daemon = await this.apps.readNamespacedDaemonSet({ name: NODE_AGENT_NAME, namespace });
      const wanted = (daemon.status?.observedGeneration ?? 0) >= 1 ? (daemon.status?.desiredNumberScheduled ?? 0) : -1;
      const pods = await this.agentPods();
      for (const pod of pods) {
        const name = pod.metadata?.name ?? '?';
        const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
        if (waiting?.reason && HOPELESS_REASONS.has(waiting.reason)) {
          const imageProblem = waiting.reason.includes('Image');
          throw new InfrastructureError(
            `node agent: pod ${name} on node ${pod.spec?.nodeName ?? '?'} cannot start: ${waiting.reason}` +
              `${waiting.message ? ` (${waiting.message})` : ''}. ${imageProblem ? imageHelp(image) : `Its log: kubectl logs -n ${namespace} ${name}`}`,
          );
        }
        const node = pod.spec?.nodeName;
        if (!node || this.reports.has(node) || pod.status?.phase !== 'Running') continue;
        const log = await this.core.readNamespacedPodLog({ name, namespace, container: 'agent' }).catch((error: unknown) => {
          if (statusCode(error) === 403) {
            throw new InfrastructureError(
              `node agent: this kubeconfig's user may not read pod logs (pods/log, verb get) in ${namespace}, which is how the agent reports: ` +
                `${describeCause(error)}. Grant it, or remove target.kube.nodeAgent.`,
            );
          }
          return '';
        });
        const report = parseReports(log).find((line): line is VersionsReport => line.kind === 'versions');
        if (report) this.reports.set(node, { pod: name, report: { ...report, node } });
      }
      if (wanted > 0 && this.reports.size >= wanted) return;
      if (wanted === 0) situation = 'the DaemonSet schedules no pod: no node matches it';
      else if (wanted > 0) situation = `${this.reports.size} of ${wanted} agents reported (pods: ${pods.map(describePod).join('; ') || 'none yet'})`;
      await sleep(250);
    }
    throw new InfrastructureError(
      `node agent: not every node's agent reported within ${Math.round(readyTimeoutMs / 1000)} s: ${situation}. ${imageHelp(image)}`,
    );
  }
}

function describePod(pod: V1Pod): string {
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
  return `${pod.metadata?.name ?? '?'} on ${pod.spec?.nodeName ?? '?'}: ${waiting ?? pod.status?.phase ?? 'unknown'}`;
}

/**
 * Asks the API (SelfSubjectAccessReview, which every authenticated user may send) whether this user
 * holds what running the agent takes, so a missing permission is named before anything is created.
 */
async function checkPermissions(kubeConfig: KubeConfig, namespace: string): Promise<void> {
  const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  const reviews = await Promise.all(
    NEEDED_PERMISSIONS.map((permission) =>
      authorization.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace, ...permission } } } }).catch((error: unknown) => {
        throw new InfrastructureError(`node agent: asking the API which permissions this user has failed: ${describeCause(error)}`, { cause: error });
      }),
    ),
  );
  const missing = NEEDED_PERMISSIONS.filter((_, i) => !reviews[i]!.status?.allowed).map((permission) => {
    const subresource = permission.subresource ? `/${permission.subresource}` : '';
    return `${permission.verb} ${permission.group ? `${permission.group}/` : ''}${permission.resource}${subresource}`;
  });
  if (missing.length) {
    throw new InfrastructureError(
      `node agent: this kubeconfig's user may not ${missing.join(', ')} in namespace ${namespace}; running the agent takes create, get and ` +
        'delete on apps/daemonsets, get on pods/log and create on pods/exec there. Grant them (docs/CLUSTERS.md lists the Role), or remove ' +
        'target.kube.nodeAgent.',
    );
  }
}

/**
 * The agent's DaemonSet: host PID namespace and the CRI socket read-only, no token, every node. It uses no
 * network, except to scrape containerd's metrics when asked: from the host's network namespace where containerd
 * serves them on loopback only (as most configs do), else from the pod's.
 */
function daemonSet(options: NodeAgentOptions): V1DaemonSet {
  const podLabels = { [NODE_AGENT_LABEL]: options.podLabel };
  const metrics = options.containerdMetrics;
  const logFiles = Object.entries(options.logFiles ?? {}).filter((entry): entry is [NodeUnit, string] => Boolean(entry[1]));
  return {
    metadata: { name: NODE_AGENT_NAME, labels: { ...options.labels, 'app.kubernetes.io/name': NODE_AGENT_NAME } },
    spec: {
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          // The agent talks to nothing but the node: no API token, no service environment.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // The containerd shims are host processes: their /proc entries are only visible in the host's PID namespace.
          hostPID: true,
          ...(metrics && isLoopbackAddress(metrics) ? { hostNetwork: true } : {}),
          // Time for the last log pass the agent makes when stopped (tens of milliseconds); it exits as soon as that is done.
          terminationGracePeriodSeconds: 5,
          // Every node, control-plane and tainted ones included: evidence is wanted wherever a run pod lands.
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'agent',
              image: options.image,
              imagePullPolicy: options.imagePullPolicy,
              env: [
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'RUN_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'PODCHURN_LOG_PERIOD_SECONDS', value: String(options.logPeriodSeconds) },
                { name: 'PODCHURN_CRI_SOCKET', value: options.criSocket },
                { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
                ...(metrics ? [{ name: 'PODCHURN_CONTAINERD_METRICS', value: metrics }] : []),
              ],
              securityContext: {
                runAsUser: 0,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                // SYS_PTRACE only: reading a host process's /proc/PID/exe (to run `shim -v`) is a ptrace-read access check.
                capabilities: { drop: ['ALL'], add: ['SYS_PTRACE'] },
                // An AppArmor profile would refuse that read of unconfined host processes.
                appArmorProfile: { type: 'Unconfined' },
              },
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
              volumeMounts: [
                { name: 'cri-socket', mountPath: SOCKET_IN_POD, readOnly: true },
                ...logFiles.map(([unit]) => ({ name: `${unit}-log`, mountPath: `/var/log/podchurn/${unit}.log`, readOnly: true })),
              ],
            },
          ],
          volumes: [
            { name: 'cri-socket', hostPath: { path: options.criSocket, type: 'Socket' } },
            ...logFiles.map(([unit, path]) => ({ name: `${unit}-log`, hostPath: { path, type: 'File' } })),
          ],
        },
      },
    },
  };
}
