import type { CoreV1Api } from '@kubernetes/client-node';
import { LABEL_PREFIX, POD_LABEL, RUN_LABEL } from '../../engine/churn.js';
import type { EventSink, PodIdentity } from '../../engine/events.js';
import { InfrastructureError, describeCause } from '../../errors.js';
import type { PodPhaseTracker } from './pod-phases.js';
import type { PodWatch } from './pod-watch.js';
import { effectiveGraceSeconds, type CellSettings, type KubeTargetSettings } from '../../scenario/schema.js';
import type { Clock } from '../../util/clock.js';
import type { ChurnTarget, CleanupReport, PodPlan } from '../../engine/churn-target.js';
import { statusOf, withApiRetry, type RetryPolicy, defaultRetryPolicy } from './api-retry.js';
import { buildPodManifest } from './pod-manifest.js';
import type { TokenBucket } from './token-bucket.js';
import { RuntimeStepSchedule } from '../../engine/runtime-step.js';
import type { NodeRuntimeStep } from './node-runtime-step.js';
import type { ShimMeasurement } from '../../runtime/shim-process.js';

export interface KubeTargetOptions {
  api: CoreV1Api;
  namespace: string;
  tracker: PodPhaseTracker;
  /** The session's pod watch, told of every pod the API acknowledged creating. */
  watch: Pick<PodWatch, 'knowCreated'>;
  bucket: TokenBucket;
  events: EventSink;
  /** The event log's clock: a stuck deadline counts from the delete-sent stamp, on the same clock. */
  clock: Clock;
  runId: string;
  /** The cell and repetition this target churns; cleanup touches only their pods. */
  cell: string;
  rep: number;
  settings: CellSettings;
  kube: KubeTargetSettings;
  workloadImage: string;
  retry?: RetryPolicy;
  /** How long cleanup waits for force-deleted pods to disappear before it lists leftovers. */
  cleanupWaitMs?: number;
  /** Called for each stuck pod while it is still stuck; returns where the evidence went. */
  collectEvidence?: (podName: string) => Promise<string>;
  /**
   * What must be ready before the cycle's deletes (the node agent, whose evidence a stuck pod needs, and its answer
   * to a start scrape); its failure ends the cell.
   */
  beforeDeletes?: () => Promise<void>;
  /** The scenario's runtime step on the cluster's nodes (engine/runtime-step.ts has its timing). */
  runtimeStep?: NodeRuntimeStep;
  /** Where the provider sees the node's processes: the shim serving a pod, measured once the pod is ready. */
  measureShim?: (node: string, podUid: string) => Promise<ShimMeasurement>;
}

/**
 * Pods through the Kubernetes API. Calls are paced by the session's token bucket (qps/burst), which
 * every phase (a cycle's creates, a cycle's deletes) starts full, and by the engine's concurrency;
 * every pod phase after the API's answer comes from the one pod watch.
 * Stuck detection: a deleted pod not gone within its grace period + requestTimeoutSeconds of
 * DELETE sent (the instant its deletion latency starts, so API retries count against it) is
 * recorded as stop-failed (DEADLINE_EXCEEDED) and left for cleanup to force.
 */
export class KubeTarget implements ChurnTarget {
  readonly type = 'kube';
  private readonly created = new Map<string, string>();
  /** Evidence being collected; cleanup waits for it, so nothing is forced away before it is recorded. */
  private readonly evidence: Promise<unknown>[] = [];
  private readonly step?: RuntimeStepSchedule;
  /** Shim measurements under way; cleanup waits for them, so none reads a pod being forced away. */
  private readonly shimReadings: Promise<void>[] = [];

  constructor(private readonly options: KubeTargetOptions) {
    if (options.runtimeStep) this.step = new RuntimeStepSchedule(options.runtimeStep.plan);
  }

  /**
   * Each phase starts with a full bucket, as a client per phase would (kube-burner has one per job):
   * the first `burst` deletes of a cycle go at once whether its creates drained the bucket (hold 0,
   * waitFor created) or a wait for Running refilled it, so a delete burst is the same in every cell.
   * Phases sharing the bucket never overlap: cells and repetitions run one after another.
   */
  beginPhase(): void {
    this.options.bucket.fill();
  }

  async createPod(plan: PodPlan, signal: AbortSignal): Promise<void> {
    const { api, namespace, bucket, events, settings, kube, tracker } = this.options;
    const body = buildPodManifest(plan, settings, kube, this.options.workloadImage);
    await bucket.take(signal);
    if (signal.aborted) return;
    // Decided when the pod's creation starts: a step happens between a cycle's creates and deletes, never during them.
    const stepSide = this.step ? { createdRelativeToStep: this.step.hasBegun ? 'after' : 'before' } : {};
    events.pod(plan, 'create-sent', stepSide);
    try {
      const pod = await withApiRetry('a pod create', () => api.createNamespacedPod({ namespace, body }), signal, this.retry);
      this.options.watch.knowCreated(pod);
      const uid = pod.metadata?.uid ?? '';
      this.created.set(plan.pod, uid);
      events.pod(plan, 'created', { uid, resourceVersion: pod.metadata?.resourceVersion });
    } catch (error) {
      this.recordError(plan, 'create', error, signal);
      return;
    }
    // Alongside the create, not in its way: the create phase's pacing stays what waitFor says.
    if (this.options.measureShim) this.shimReadings.push(this.recordShim(plan, this.created.get(plan.pod) ?? '', signal));
    if (kube.waitFor !== 'ready') return;
    const ready = await tracker.waitFor(plan.pod, 'ready', settings.requestTimeoutSeconds * 1000, signal);
    if (!ready && !signal.aborted && !tracker.hasSeen(plan.pod, 'gone')) {
      events.pod(plan, 'error', {
        phase: 'create',
        code: 'NOT_READY',
        message: `not Ready within requestTimeoutSeconds (${settings.requestTimeoutSeconds}s)`,
        infrastructure: false,
      });
    }
  }

  async deletePod(plan: PodPlan, signal: AbortSignal): Promise<void> {
    if (!this.created.has(plan.pod)) return;
    const { api, namespace, bucket, events, settings, kube, tracker } = this.options;
    const graceSeconds = effectiveGraceSeconds(settings);
    await bucket.take(signal);
    if (signal.aborted) return;
    const sent = events.pod(plan, 'delete-sent', { gracePeriodSeconds: graceSeconds, propagationPolicy: kube.propagationPolicy ?? null });
    try {
      await withApiRetry(
        'a pod delete',
        () =>
          api.deleteNamespacedPod({
            name: plan.pod,
            namespace,
            ...(kube.deleteGracePeriodSeconds !== undefined ? { gracePeriodSeconds: kube.deleteGracePeriodSeconds } : {}),
            ...(kube.propagationPolicy ? { propagationPolicy: kube.propagationPolicy } : {}),
          }),
        signal,
        this.retry,
      );
    } catch (error) {
      // 404: a retried delete whose first attempt already removed it; the watch still reports gone.
      if (statusOf(error) !== 404) {
        this.recordError(plan, 'delete', error, signal);
        return;
      }
    }
    const deadlineMs = (graceSeconds + settings.requestTimeoutSeconds) * 1000;
    const remainingMs = deadlineMs - (this.options.clock.now().mono - sent.mono);
    const gone = await tracker.waitFor(plan.pod, 'gone', Math.max(0, remainingMs), signal);
    if (gone) {
      this.created.delete(plan.pod);
    } else if (!signal.aborted) {
      events.pod(plan, 'stop-failed', {
        code: 'DEADLINE_EXCEEDED',
        message: `not gone within grace ${graceSeconds}s + requestTimeoutSeconds ${settings.requestTimeoutSeconds}s`,
        deadlineMs,
      });
      const collect = this.options.collectEvidence;
      if (collect) {
        this.evidence.push(
          collect(plan.pod).then(
            (dir) => events.pod(plan, 'evidence', { dir }),
            (error: unknown) => events.pod(plan, 'evidence', { error: describeCause(error) }),
          ),
        );
      }
    }
  }

  async afterHold(cycle: number, signal: AbortSignal): Promise<void> {
    await this.options.beforeDeletes?.();
    await this.step?.afterHold(cycle, signal);
  }

  /**
   * A step that landed among this cycle's deletes may set pods free that were stuck when it began (the
   * kubelet retries their stops against the new daemon): those still here get grace + requestTimeoutSeconds
   * from the step's end to go on their own before cleanup forces them.
   */
  async afterDeletes(_cycle: number, signal: AbortSignal): Promise<void> {
    if (!this.step || !(await this.step.afterDeletes())) return;
    const window = this.step.completedWindow;
    if (!window) return;
    const { settings, tracker } = this.options;
    const untilMs = window.endedMs + (effectiveGraceSeconds(settings) + settings.requestTimeoutSeconds) * 1000;
    await Promise.all(
      [...this.created.keys()].map(async (pod) => {
        if (await tracker.waitFor(pod, 'gone', Math.max(0, untilMs - performance.now()), signal)) this.created.delete(pod);
      }),
    );
  }

  /** Once the pod is ready: its node from the API, then the shim process serving it there. A failure is recorded, never thrown. */
  private async recordShim(plan: PodPlan, uid: string, signal: AbortSignal): Promise<void> {
    const { api, namespace, settings, tracker, events } = this.options;
    if (!(await tracker.waitFor(plan.pod, 'ready', settings.requestTimeoutSeconds * 1000, signal))) return;
    try {
      const pod = await api.readNamespacedPod({ name: plan.pod, namespace });
      const node = pod.spec?.nodeName;
      const shim = node ? await this.options.measureShim!(node, uid) : { pid: null, reason: 'the pod has no node' };
      events.pod(plan, 'shim-measured', shim.pid === null ? { shimUnmeasured: shim.reason } : { shim });
    } catch (error) {
      events.pod(plan, 'shim-measured', { shimUnmeasured: describeCause(error) });
    }
  }

  /**
   * Every pod of this cell still listed: delete with grace 0 (force), wait briefly for the watch to
   * see it gone, then list again; what is still there is a leftover.
   */
  async cleanup(): Promise<CleanupReport> {
    const { api, namespace, tracker } = this.options;
    const never = new AbortController().signal;
    await Promise.all([...this.evidence, ...this.shimReadings]);
    const selector = this.cellSelector();
    const pods = await withApiRetry('listing pods for cleanup', () => api.listNamespacedPod({ namespace, labelSelector: selector }), never, this.retry);
    const forced: CleanupReport['forced'] = [];
    await Promise.all(
      pods.items.map(async (pod) => {
        const name = pod.metadata?.name ?? 'unknown';
        forced.push({ pod: pod.metadata?.labels?.[POD_LABEL] ?? name, object: `pod/${name}` });
        await api.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
        await tracker.waitFor(name, 'gone', this.options.cleanupWaitMs ?? 15_000, never);
      }),
    );
    this.created.clear();
    await this.options.runtimeStep?.restore();
    const left = await withApiRetry('listing leftover pods', () => api.listNamespacedPod({ namespace, labelSelector: selector }), never, this.retry);
    return {
      forced,
      leftovers: left.items.map(
        (p) => `pod/${p.metadata?.name ?? 'unknown'} in ${namespace} (${p.status?.phase ?? 'unknown'}${p.metadata?.deletionTimestamp ? ', terminating' : ''})`,
      ),
    };
  }

  private cellSelector(): string {
    const { runId, cell, rep } = this.options;
    return `${RUN_LABEL}=${runId},${LABEL_PREFIX}/cell=${cell},${LABEL_PREFIX}/rep=${rep}`;
  }

  private get retry(): RetryPolicy {
    return this.options.retry ?? defaultRetryPolicy;
  }

  private recordError(plan: PodIdentity, phase: 'create' | 'delete', error: unknown, signal: AbortSignal): void {
    if (signal.aborted) return;
    const status = statusOf(error);
    this.options.events.pod(plan, 'error', {
      phase,
      code: status === undefined ? 'UNREACHABLE' : String(status),
      message: describeCause(error).slice(0, 1000),
      infrastructure: error instanceof InfrastructureError || status === undefined,
    });
  }
}
