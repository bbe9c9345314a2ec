import { z } from 'zod';
import { providerNames } from '../cluster/provider.js';

/**
 * The one source of truth for scenario files. Types, validation and the JSON Schema printed by
 * `podchurn schema` are all derived from these declarations.
 */

const positiveInt = z.int().positive();
const nonNegativeInt = z.int().nonnegative();
const nonNegativeNumber = z.number().nonnegative();

export const signalBehaviours = ['exit', 'ignore', 'delay'] as const;

export const WorkloadSchema = z
  .object({
    onSigterm: z
      .enum(signalBehaviours)
      .default('exit')
      .describe('exit: exit 0 at once; ignore: SIGTERM is ignored (only SIGKILL ends it); delay: exit delaySeconds after SIGTERM'),
    delaySeconds: nonNegativeNumber.optional().describe('Required when onSigterm is delay'),
    image: z.string().min(1).optional().describe('Image reference; default: the built-in offline workload image'),
  })
  .strict()
  .refine((w) => w.onSigterm !== 'delay' || w.delaySeconds !== undefined, {
    message: 'delaySeconds is required when onSigterm is "delay"',
    path: ['delaySeconds'],
  });

export const ExecProbeSchema = z
  .object({
    enabled: z.boolean().default(true).describe('A written execProbe block runs probes unless enabled is false; without the block no probes run'),
    periodMs: positiveInt.default(1000).describe('Interval between exec probes on one container'),
    timeoutSeconds: positiveInt.default(1).describe('ExecSyncRequest.timeout, as kubelet sends a probe timeout'),
    command: z.array(z.string().min(1)).min(1).default(['true']),
    workers: positiveInt.default(1).describe('Concurrent probe loops per container (e.g. liveness + readiness + kubectl exec)'),
  })
  .strict();

export const propagationPolicies = ['Foreground', 'Background', 'Orphan'] as const;

export const KubeTargetSchema = z
  .object({
    kubeconfig: z.string().min(1).optional().describe('Kubeconfig file; default: $KUBECONFIG, else ~/.kube/config'),
    context: z.string().min(1).optional().describe("Kubeconfig context; default: the file's current-context"),
    namespacePrefix: z
      .string()
      .regex(/^[a-z]([a-z0-9-]{0,29})$/, 'must start with a lower-case letter and hold only lower-case letters, digits and "-" (at most 30 characters)')
      .default('podchurn-')
      .describe('Each run gets its own namespace, <namespacePrefix><run id>'),
    qps: z
      .number()
      .positive()
      .default(20)
      .describe(
        "Client-side limit on API requests per second (token bucket refill rate); the bucket is full when each phase (a cycle's creates, a cycle's " +
          'deletes) starts',
      ),
    burst: positiveInt.default(40).describe('Requests allowed at once above qps (token bucket size)'),
    deleteGracePeriodSeconds: nonNegativeInt
      .optional()
      .describe("DeleteOptions.gracePeriodSeconds; default: none sent, so the pod's terminationGracePeriodSeconds (= gracePeriodSeconds) applies"),
    propagationPolicy: z.enum(propagationPolicies).optional().describe('DeleteOptions.propagationPolicy'),
    nodeName: z.string().min(1).optional().describe('spec.nodeName: bind every pod to this node, bypassing the scheduler'),
    waitFor: z
      .enum(['ready', 'created'])
      .default('ready')
      .describe('ready: a create finishes when the pod is Ready; created: when the API accepted it (no kubelet needed)'),
    nodeAgent: z
      .boolean()
      .default(false)
      .describe(
        "Deploy podchurn's node agent (a DaemonSet in the run's namespace, removed with it) on a cluster podchurn does not run: it reports each " +
          "node's runtime and shim versions and the CRI state of stuck pods' containers through its pod log (docs/CLUSTERS.md)",
      ),
    nodeAgentImage: z
      .string()
      .min(1)
      .optional()
      .describe("The agent's image where the nodes pull it from a registry; default: podchurn.local/node-agent:1, imported on each node beforehand"),
    nodeAgentCriSocket: z
      .string()
      .regex(/^\//, 'must be an absolute path on the nodes')
      .default('/run/containerd/containerd.sock')
      .describe("The CRI socket's path on the nodes, mounted read-only into the agent"),
    nodeAgentLogFiles: z
      .object({
        containerd: z.string().regex(/^\//, 'must be an absolute path on the nodes').optional(),
        kubelet: z.string().regex(/^\//, 'must be an absolute path on the nodes').optional(),
      })
      .strict()
      .optional()
      .describe(
        "Log files on the nodes (plain text; it must exist on every node) mounted read-only into the agent, which reports their lines about the run's " +
          "containers: a stuck pod's evidence then holds them",
      ),
    nodeAgentContainerdMetrics: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, "must be host:port, as [metrics] address in the nodes' containerd config")
      .optional()
      .describe(
        "containerd's metrics address on the nodes, as its config's [metrics] address (e.g. 127.0.0.1:1338): the agent scrapes its CRI timers at " +
          "each cell's start and end (an exec in the agent's pod: pods/exec). A loopback address puts the agent in the host's network namespace; " +
          "0.0.0.0 or [::] means the node's own address",
      ),
  })
  .strict();

export const targetTypes = ['cri', 'kube'] as const;
export type TargetType = (typeof targetTypes)[number];

export const TargetSchema = z
  .object({
    type: z.enum(targetTypes).default('cri').describe('cri: sandboxes and containers driven over CRI; kube: Pods through a Kubernetes API'),
    endpoint: z.string().min(1).optional().describe('Existing CRI socket (unix path); default: a containerd started and owned by podchurn'),
    kube: KubeTargetSchema.optional().describe('Settings of the kube target (type: kube only)'),
  })
  .strict()
  .refine((t) => t.type === 'kube' || t.kube === undefined, {
    message: 'target.kube is only used when target.type is "kube"',
    path: ['kube'],
  })
  .refine((t) => t.type === 'cri' || t.endpoint === undefined, {
    message: 'target.endpoint is a CRI socket and only used when target.type is "cri"; a kube target reads target.kube.kubeconfig',
    path: ['endpoint'],
  });

export const RuntimeSchema = z
  .object({
    containerd: z.string().min(1).default('system').describe('Runtime-store key of the containerd binary set'),
    runc: z.string().min(1).default('system').describe('Runtime-store key of the runc binary'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    restrictOomScoreAdj: z
      .enum(['auto', 'true', 'false'])
      .default('auto')
      .describe('auto: set restrict_oom_score_adj only when this host cannot lower oom_score_adj'),
    runcCreateDelaySeconds: nonNegativeNumber
      .optional()
      .describe("cri target, a containerd podchurn starts: seconds the shim's runc create of each workload container waits (a slow create)"),
    runcCreateReturnDelaySeconds: nonNegativeNumber
      .optional()
      .describe(
        "cri target, a containerd podchurn starts: seconds runc create's result is held after each workload container was created (its runc init waits)",
      ),
  })
  .strict();

export const RuntimeStepSchema = z
  .object({
    afterCycleHold: positiveInt.describe('The cycle whose pods are running when the step happens: after its hold, before its deletes'),
    containerd: z
      .string()
      .min(1)
      .optional()
      .describe('Runtime-store key of the containerd the daemon is replaced with; default: runtime.containerd (a plain restart)'),
    runc: z.string().min(1).optional().describe('Runtime-store key of the runc swapped in; default: runtime.runc'),
    duringCreatesAfterSeconds: nonNegativeNumber
      .optional()
      .describe(
        "Instead of between the hold and the deletes: this many seconds after the cycle's creates begin, while RunPodSandbox calls are in flight " +
          '(containerd exiting after the CNI ADD, containerd#12923)',
      ),
    duringStopsAfterSeconds: nonNegativeNumber
      .optional()
      .describe(
        "Instead of between the hold and the deletes: this many seconds after the cycle's deletes begin, while StopContainer calls are in flight " +
          '(containerd restarted during StopContainer, containerd#12600)',
      ),
  })
  .strict()
  .refine((step) => step.duringCreatesAfterSeconds === undefined || step.duringStopsAfterSeconds === undefined, {
    message: 'duringCreatesAfterSeconds and duringStopsAfterSeconds each place the one step: write one of them',
    path: ['duringCreatesAfterSeconds'],
  });

export const networkNamespaceModes = ['node', 'pod'] as const;

export const NetworkSchema = z
  .object({
    namespace: z
      .enum(networkNamespaceModes)
      .default('node')
      .describe(
        "node: every sandbox shares the host's network namespace (no CNI call); pod: each sandbox gets its own, set up and torn down by the " +
          "runtime's CNI (podchurn's own containerd has an empty CNI config directory unless cni is bridge, so its CNI is not initialised)",
      ),
    cni: z
      .enum(['none', 'bridge'])
      .default('none')
      .describe(
        "none: the CNI config directory of podchurn's containerd stays empty; bridge: podchurn writes a bridge + host-local network of its own " +
          '(a bridge, a /24 and an IPAM directory per containerd, all removed at its teardown). Needs namespace pod',
      ),
    cniAddHoldSeconds: nonNegativeNumber
      .default(0)
      .describe(
        'With cni bridge: each CNI ADD returns its result this long after the bridge plugin finished (a wrapper plugin), so RunPodSandbox waits between ' +
          'the network being set up and its own return (where a runtimeStep.duringCreatesAfterSeconds restart lands: containerd#12923)',
      ),
    cniConfigRemovedBeforeDeletes: z
      .boolean()
      .default(false)
      .describe(
        "With cni bridge: after each cycle's hold, podchurn deletes the network's config file and waits for the runtime to report NetworkReady " +
          "false, so the cycle's pods are deleted by a runtime without a CNI config (a CNI daemonset removed first on a node drain); it is " +
          "written back after the cycle's deletes",
      ),
  })
  .strict();

export const DEFAULT_KUBERNETES_VERSION = '1.34.4';

/** A systemd unit or a file under the node's /var/log, as the kubelet's node log query takes it. */
const nodeLogQueryName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@/-]*$/, 'must be a systemd unit (e.g. containerd) or a file under /var/log (e.g. containerd.log)')
  .describe('A systemd unit, or a file under /var/log on the nodes');

export const ClusterSchema = z
  .object({
    provider: z
      .enum(providerNames)
      .describe('local: a single-node cluster run from processes on this host; kind: a kind cluster; existing: the kubeconfig in target.kube'),
    name: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'must be lower-case letters, digits and "-", at most 32 characters')
      .optional()
      .describe('Cluster name; default: podchurn-<scenario name>, shortened. Cells with the same cluster settings share the cluster.'),
    kubernetes: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, 'must be a Kubernetes version such as 1.34.4')
      .default(DEFAULT_KUBERNETES_VERSION)
      .describe('Kubernetes version of the node (local: built into the runtime store as kubernetes@<version>)'),
    containerdConfigPatches: z
      .array(z.string().min(1))
      .default([])
      .describe('TOML fragments merged into the node containerd config; podchurn reports keys containerd ignored (e.g. stop_timeout)'),
    config: z.string().min(1).optional().describe('kind: cluster config file (kind.x-k8s.io/v1alpha4), relative to the scenario file'),
    nodeImage: z
      .string()
      .min(1)
      .optional()
      .describe('kind: node image; default: chosen from the kind catalog for the Kubernetes version (with nodeImageBuild online: the image to derive from)'),
    nodeImageBuild: z
      .enum(['offline', 'online'])
      .optional()
      .describe('kind: build the node image with the pinned runtimes (offline: from Debian, no registry needed; online: a layer on kindest/node)'),
    keep: z.boolean().default(false).describe('Leave the cluster running after the run (podchurn cluster down removes it)'),
    nodeLogQuery: z
      .object({ containerd: nodeLogQueryName.optional(), kubelet: nodeLogQueryName.optional() })
      .strict()
      .optional()
      .describe(
        "existing: read these node logs through the kubelet's node log query (GET /api/v1/nodes/NODE/proxy/logs/?query=NAME: journalctl -u NAME " +
          'on the node, or /var/log/NAME); the kubelets need the NodeLogQuery feature gate and enableSystemLogQuery, the user get on nodes/proxy',
      ),
  })
  .strict();

export const GatesSchema = z
  .object({
    maxStuck: nonNegativeInt.optional(),
    maxStateMismatch: nonNegativeInt.optional(),
    maxStopErrors: nonNegativeInt.optional(),
    maxInfraErrors: nonNegativeInt.optional(),
    maxSlow: nonNegativeInt.optional(),
    maxP50Ms: nonNegativeNumber.optional().describe("Limit on p50 of the target's primary latency (kube: deletion, cri: stop), ms"),
    maxP95Ms: nonNegativeNumber.optional().describe("Limit on p95 of the target's primary latency (kube: deletion, cri: stop), ms"),
    maxP99Ms: nonNegativeNumber.optional().describe("Limit on p99 of the target's primary latency (kube: deletion, cri: stop), ms"),
    maxP50StopMs: nonNegativeNumber.optional().describe('cri targets only: p50 StopContainer latency, ms (same as maxP50Ms there)'),
    maxP99StopMs: nonNegativeNumber.optional().describe('cri targets only: p99 StopContainer latency, ms (same as maxP99Ms there)'),
  })
  .strict();

/** Gates that read CRI stop latency by name: refused on kube targets, whose pods have none. */
export const stopLatencyGates = ['maxP50StopMs', 'maxP99StopMs'] as const;

/** Every field a matrix may vary or `--set` may override lives in this object. */
export const CellSettingsSchema = z
  .object({
    target: TargetSchema.default({ type: 'cri' }),
    runtime: RuntimeSchema.default({ containerd: 'system', runc: 'system', logLevel: 'info', restrictOomScoreAdj: 'auto' }),
    pods: positiveInt.default(20).describe('Pods created and deleted per cycle'),
    batchSize: positiveInt.default(10).describe('Pods created, and later deleted, together as one batch'),
    concurrency: positiveInt.default(10).describe('Runtime calls in flight at once'),
    batchIntervalSeconds: nonNegativeNumber.default(0).describe('Minimum time between the starts of two batches'),
    cycles: positiveInt.default(1),
    holdSeconds: nonNegativeNumber.default(1).describe('Time between all pods of a cycle being ready and the first delete'),
    gracePeriodSeconds: nonNegativeInt.default(2).describe('StopContainerRequest.timeout: seconds between stop signal and SIGKILL'),
    requestTimeoutSeconds: positiveInt.default(120).describe("Caller's deadline on top of the grace period (kubelet runtimeRequestTimeout, default 2m)"),
    slackSeconds: nonNegativeNumber.default(10).describe('A stop longer than grace + slack is "slow"'),
    workload: WorkloadSchema.default({ onSigterm: 'exit' }),
    // No block, no probes; a written block turns them on (ExecProbeSchema's enabled defaults to true).
    execProbe: ExecProbeSchema.default({ enabled: false, periodMs: 1000, timeoutSeconds: 1, command: ['true'], workers: 1 }).describe(
      'Exec probes while pods run and stop (cri: ExecSync loops; kube: exec liveness and readiness probes). No block: no probes; a written block runs ' +
        'them unless enabled is false',
    ),
    network: NetworkSchema.default({ namespace: 'node', cni: 'none', cniAddHoldSeconds: 0, cniConfigRemovedBeforeDeletes: false }).describe(
      "The sandboxes' network (cri target): their namespace, and a CNI network of podchurn's own",
    ),
    createTimeoutSeconds: positiveInt
      .optional()
      .describe(
        "cri target: the caller's deadline on RunPodSandbox, CreateContainer and StartContainer (default 60 s), as kubelet's runtime request " +
          'timeout, or its cancel when a pod is deleted while being created',
      ),
    stopDuringStartAfterSeconds: nonNegativeNumber
      .optional()
      .describe(
        'cri target: StopContainer (with gracePeriodSeconds) this many seconds after each StartContainer was sent, as kubelet stops a pod deleted ' +
          'while being created; a container RUNNING after that stop returned OK is recorded (stopIgnored)',
      ),
    sandboxInspectPeriodMs: positiveInt
      .optional()
      .describe(
        "cri target: while a pod's container is created and started, ask for its sandbox's verbose status (PodSandboxStatus verbose, " +
          'what crictl inspectp asks) every this many ms; a failed call is recorded (criError inspect:<CODE>)',
      ),
    runtimeStep: RuntimeStepSchema.optional().describe(
      'An in-place upgrade, downgrade or restart of the managed containerd while pods run (cri target): the daemon is stopped without its shims and ' +
        'the new pin started on the same root, state and socket; running pods keep their old shims',
    ),
    cluster: ClusterSchema.optional().describe('Bring up (or attach to) a cluster for a kube target; runtime.containerd/runc pin its node runtime'),
  })
  .strict();

export const MetadataSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", 1-63 characters')
      .describe('Scenario name, used in run ids and labels'),
    description: z.string().optional(),
  })
  .strict();

export const ScenarioSchema = CellSettingsSchema.extend({
  apiVersion: z.literal('podchurn/v1'),
  kind: z.literal('Scenario'),
  metadata: MetadataSchema,
  matrix: z.record(z.string(), z.array(z.unknown()).min(1)).default({}).describe('Dotted field path -> list of values; the run is the cartesian product'),
  repetitions: positiveInt.default(1).describe('Times each matrix cell is run'),
  gates: GatesSchema.default({}),
}).strict();

export type Scenario = z.infer<typeof ScenarioSchema>;
export type CellSettings = z.infer<typeof CellSettingsSchema>;
export type Gates = z.infer<typeof GatesSchema>;
export type Workload = z.infer<typeof WorkloadSchema>;
export type ExecProbe = z.infer<typeof ExecProbeSchema>;
export type KubeTargetSettings = z.infer<typeof KubeTargetSchema>;
export type ClusterSettings = z.infer<typeof ClusterSchema>;
export type RuntimeStep = z.infer<typeof RuntimeStepSchema>;
export type NetworkSettings = z.infer<typeof NetworkSchema>;

/**
 * The grace period a deletion is sent with: target.kube.deleteGracePeriodSeconds when set (the schema
 * allows target.kube on kube targets only), else gracePeriodSeconds. The one source of the thresholds
 * for slow and stuck.
 */
export function effectiveGraceSeconds(settings: CellSettings): number {
  return settings.target.kube?.deleteGracePeriodSeconds ?? settings.gracePeriodSeconds;
}

/** The kube block of a target with its defaults applied (a kube target may omit the block). */
export function kubeTargetSettings(target: CellSettings['target']): KubeTargetSettings {
  return KubeTargetSchema.parse(target.kube ?? {});
}

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' });
}
