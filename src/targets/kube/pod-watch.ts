import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { sleep, type Clock, type Stamp } from '../../util/clock.js';
import { LeanWatch } from './lean-watch.js';

/** How long stop() waits for the watch loop to wind down. */
const STOP_WAIT_MS = 5_000;
/** The API server ends each watch after this long; the loop then resumes from the last resourceVersion. */
const WATCH_TIMEOUT_S = 300;
/**
 * How long a silent watch connection is kept. @kubernetes/client-node 2.x's own Watch gives up after
 * 30 s; a quiet namespace (a hold, a slow cell) is silent that long, and each abort would leave the
 * watch closed for a reconnect, stamping late any event that comes meanwhile. The server's own end of
 * the watch (WATCH_TIMEOUT_S) bounds it instead; a half-open connection is still given up on, a
 * little after that.
 */
const WATCH_INACTIVITY_MS = (WATCH_TIMEOUT_S + 30) * 1000;

/** One observation of a pod: what the API said and when podchurn received it. */
export interface PodObservation {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: V1Pod;
  receivedAt: Stamp;
  /**
   * True when the observation was inferred from a relist rather than seen on the watch: after a
   * 410 Gone, a pod missing from the new list is reported DELETED at the time of the relist.
   */
  synthetic: boolean;
}

/** A stretch of time in which transitions may have been missed (watch history expired: 410 Gone). */
export interface WatchGap {
  from: Stamp;
  to: Stamp;
  reason: string;
  /** Pods whose deletion happened inside the gap and was inferred from the relist. */
  inferredDeletions: number;
}

export interface PodWatchStats {
  lists: number;
  reconnects: number;
  relists: number;
  gaps: WatchGap[];
  consumerErrors: number;
}

export interface PodWatchOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  labelSelector: string;
  clock: Clock;
  /** The one consumer; called in receive order, never concurrently; an exception is counted, not thrown. */
  consume: (observation: PodObservation) => void;
  onGap?: (gap: WatchGap) => void;
  /** Longest pause between reconnect attempts while the API is unreachable. */
  maxBackoffMs?: number;
}

interface RawWatchEvent {
  type?: string;
  object?: { metadata?: { resourceVersion?: string }; code?: number; reason?: string; message?: string } & V1Pod;
}

/**
 * What the watch keeps of a live pod, for the DELETED a relist may have to infer: what the phases are
 * read from (metadata, spec.nodeName, status), without the managed fields and the containers' spec,
 * which are most of a pod's JSON and were kept for every pod of a churn.
 */
function keptOf(pod: V1Pod): V1Pod {
  const { managedFields: _managedFields, ...metadata } = pod.metadata ?? {};
  const spec = pod.spec?.nodeName ? { nodeName: pod.spec.nodeName, containers: [] } : undefined;
  return { ...(pod.metadata ? { metadata } : {}), ...(spec ? { spec } : {}), ...(pod.status ? { status: pod.status } : {}) };
}

/**
 * List-then-watch over the pods of one namespace and label selector, keyed by uid.
 * - A dropped connection resumes from the last resourceVersion seen (bookmarks included), so no
 *   event is lost while etcd still holds that history.
 * - 410 Gone (history compacted) relists; pods known before and missing now are reported as
 *   synthetic DELETED observations, and the stretch is recorded as a gap. Pods the API said it
 *   created count as known even if no watch event for them arrived (`knowCreated`).
 * - Handlers only enqueue; one consumer drains the queue in order.
 * Watch objects carry timestamps as strings and list results as Date: consumers must accept both.
 */
export class PodWatch {
  readonly stats: PodWatchStats = { lists: 0, reconnects: 0, relists: 0, gaps: [], consumerErrors: 0 };
  private readonly api: CoreV1Api;
  private readonly watch: LeanWatch;
  private readonly queue: PodObservation[] = [];
  private readonly live = new Map<string, V1Pod>();
  /** Uids seen DELETED, so that a late `knowCreated` never brings a pod back. */
  private readonly deleted = new Set<string>();
  private draining = false;
  private resourceVersion: string | undefined;
  /** The last moment the watch was known to be up to date: a gap after a 410 starts here. */
  private currentAt: Stamp | undefined;
  private stopped = false;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: PodWatchOptions) {
    this.api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.watch = new LeanWatch(options.kubeConfig, WATCH_INACTIVITY_MS);
  }

  /** Lists (existing pods arrive as ADDED), then keeps watching in the background. */
  async start(): Promise<void> {
    await this.relist(undefined);
    this.loop = this.run();
  }

  /**
   * A pod the API has acknowledged creating: known from now on, before (or without) any watch event
   * for it, so a pod created and deleted wholly while the watch was away is reported DELETED by the
   * relist after the gap instead of being left to look stuck.
   */
  knowCreated(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (uid && !this.live.has(uid) && !this.deleted.has(uid)) this.live.set(uid, keptOf(pod));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
    // A watch request still waiting for its answer's headers cannot be aborted (LeanWatch, like the
    // library, hands out its controller only once they arrive): do not let a stalled connection hold
    // up cleanup.
    await Promise.race([this.loop, sleep(STOP_WAIT_MS)]);
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    let gapStart: Stamp | undefined;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) {
          await this.relist(gapStart ?? this.options.clock.now());
          gapStart = undefined;
        }
        const outcome = await this.watchOnce();
        if (outcome === 'expired') {
          // Transitions may have been missed since the watch was last known current, not only
          // since the 410 arrived (the connection may have been down for a while before it).
          gapStart = this.currentAt ?? this.options.clock.now();
          this.resourceVersion = undefined;
        }
        if (outcome !== 'failed') backoffMs = 100;
      } catch {
        // The API is unreachable (e.g. restarting): retry the same resourceVersion after a pause.
      }
      if (this.stopped) break;
      this.stats.reconnects++;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void sleep(backoffMs).then(resolve);
      });
      backoffMs = Math.min(backoffMs * 2, this.options.maxBackoffMs ?? 2000);
    }
  }

  /** One watch connection, until it closes: 'closed' (resume), 'expired' (410: relist) or 'failed'. */
  private watchOnce(): Promise<'closed' | 'expired' | 'failed'> {
    return new Promise((resolve, reject) => {
      let expired = false;
      let established = false;
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: this.options.labelSelector,
        timeoutSeconds: WATCH_TIMEOUT_S,
      };
      this.watch
        .watch(
          `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/pods`,
          query,
          (type, object) => this.onWatchEvent(type, object as RawWatchEvent['object'], () => (expired = true)),
          (error: unknown) => {
            // An expired resourceVersion comes as an ERROR event, or as the answer's own status 410.
            if (!expired && (error as { statusCode?: number } | null)?.statusCode === 410) expired = true;
            // A stream that was open and ended without a 410 was current until now.
            if (established && !expired) this.currentAt = this.options.clock.now();
            resolve(expired ? 'expired' : error && !this.stopped ? 'failed' : 'closed');
          },
        )
        .then((controller) => {
          // watch() returns once the answer is 200 and streaming (after done() for any other status).
          established = true;
          this.controller = controller;
          if (this.stopped) controller.abort();
        })
        .catch(reject);
    });
  }

  private onWatchEvent(type: string, object: RawWatchEvent['object'], markExpired: () => void): void {
    if (!object) return;
    if (type === 'ERROR') {
      if (object.code === 410) {
        markExpired();
        this.controller?.abort();
      }
      return;
    }
    const resourceVersion = object.metadata?.resourceVersion;
    const receivedAt = this.options.clock.now();
    if (type === 'BOOKMARK') {
      if (resourceVersion) this.resourceVersion = resourceVersion;
      this.currentAt = receivedAt;
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    if (resourceVersion) this.resourceVersion = resourceVersion;
    this.currentAt = receivedAt;
    this.enqueue({ type, object, receivedAt, synthetic: false });
  }

  /** Lists afresh; with `gapStart`, reports pods that vanished meanwhile and records the gap. */
  private async relist(gapStart: Stamp | undefined): Promise<void> {
    const list = await this.api.listNamespacedPod({ namespace: this.options.namespace, labelSelector: this.options.labelSelector });
    const receivedAt = this.options.clock.now();
    if (gapStart) this.stats.relists++;
    else this.stats.lists++;
    const present = new Set<string>();
    for (const pod of list.items) {
      const uid = pod.metadata?.uid;
      if (uid) present.add(uid);
      this.enqueue({ type: this.live.has(uid ?? '') ? 'MODIFIED' : 'ADDED', object: pod, receivedAt, synthetic: gapStart !== undefined });
    }
    let inferredDeletions = 0;
    for (const [uid, pod] of this.live) {
      if (present.has(uid)) continue;
      inferredDeletions++;
      this.enqueue({ type: 'DELETED', object: pod, receivedAt, synthetic: true });
    }
    this.resourceVersion = list.metadata?.resourceVersion;
    this.currentAt = receivedAt;
    if (gapStart) {
      const gap: WatchGap = { from: gapStart, to: receivedAt, reason: 'watch history expired (410 Gone); relisted', inferredDeletions };
      this.stats.gaps.push(gap);
      try {
        this.options.onGap?.(gap);
      } catch {
        this.stats.consumerErrors++;
      }
    }
  }

  private enqueue(observation: PodObservation): void {
    const uid = observation.object.metadata?.uid;
    if (uid) {
      if (observation.type === 'DELETED') {
        this.live.delete(uid);
        this.deleted.add(uid);
      } else {
        this.live.set(uid, keptOf(observation.object));
      }
    }
    this.queue.push(observation);
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      try {
        this.options.consume(next);
      } catch {
        this.stats.consumerErrors++;
      }
    }
    this.draining = false;
  }
}
