import type { PodIdentity } from './events.js';

/** A pod the engine asks a target to create and later delete. */
export interface PodPlan extends PodIdentity {
  uid: string;
  labels: Record<string, string>;
}

/** What a target found when it removed everything a run created. */
export interface CleanupReport {
  /** Objects that needed force (e.g. a stop that never returned) before they went, with their pod. */
  forced: { pod: string; object: string }[];
  /** Objects the runtime still lists after cleanup (e.g. a container whose exit was lost). */
  leftovers: string[];
}

/**
 * A place pods can be churned: a CRI endpoint or a Kubernetes API. Both report through the same
 * EventSink vocabulary. Neither method throws for a pod's own failure: failures are recorded as
 * events so one bad pod never stops a batch.
 */
export interface ChurnTarget {
  readonly type: string;
  /** Resolves once the pod is ready (or has failed to get there). */
  createPod(pod: PodPlan, signal: AbortSignal): Promise<void>;
  /** Resolves once the pod is gone (or its deletion has a final outcome). */
  deletePod(pod: PodPlan, signal: AbortSignal): Promise<void>;
  /** Called before the creates (or the deletes) of a cycle start; a target may reset its pacing here. */
  beginPhase?(phase: 'create' | 'delete'): void;
  /**
   * Called when a cycle's pods are ready and its hold has passed, before its deletes: the moment a
   * scenario's runtime step happens. Resolves when whatever the target does there is done.
   */
  afterHold?(cycle: number, signal: AbortSignal): Promise<void>;
  /** Called once a cycle's deletes are done: a step started during them is awaited here, and its failure thrown. */
  afterDeletes?(cycle: number, signal: AbortSignal): Promise<void>;
  /** Removes everything labelled with this run, forcing where needed, and checks for leftovers. */
  cleanup(): Promise<CleanupReport>;
}
