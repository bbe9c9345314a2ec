import type { CriCallError, CriClient } from '../../cri/client.js';
import type { ContainerEventResponse } from '../../cri/types.js';
import type { EventSink, PodIdentity } from '../../engine/events.js';

/** How the runtime's GetContainerEvents stream stands: what a cell's exit events can be trusted for. */
export type ExitStreamState = 'streaming' | 'not-served' | 'closed';

/** Pause before subscribing again after the stream ended on its own (a restarted daemon takes a moment). */
const RESUBSCRIBE_MS = 250;

/**
 * The runtime's own exit events, joined to podchurn's pods: one GetContainerEvents subscription per
 * runtime, and for each container a pod created, its CONTAINER_STOPPED_EVENT recorded as the pod's
 * `exit-event`. The stream's handler runs on the event loop that stamps every CRI reply, so it does
 * one map lookup and, for a tracked container, writes one event; everything else is dropped unread.
 *
 * A container whose exit the runtime lost gets no event: that absence, next to the pid check's
 * state-mismatch, is the waterfall's "StopContainer sent, no exit event". A runtime that does not
 * serve the call (UNIMPLEMENTED) is a note in the run, never an error; a stream that ends early (a
 * runtime step restarts the daemon) is recorded as a `container-events` run event and subscribed again.
 */
export class ContainerExitWatch {
  private readonly owners = new Map<string, PodIdentity>();
  private stream: { cancel(): void } | undefined;
  private retry: NodeJS.Timeout | undefined;
  private currentState: ExitStreamState = 'streaming';
  private whyNotServed = '';
  /** Ended streams since the last exit event arrived: only the first of a run of failed resubscriptions is recorded. */
  private unrecordedEnd = false;
  private subscribedOnce = false;

  constructor(
    private readonly client: CriClient,
    private readonly events: EventSink,
    private readonly runtime: string,
  ) {}

  get state(): ExitStreamState {
    return this.currentState;
  }

  /** Why the runtime does not serve the stream (its gRPC status), once it said so. */
  get notServedReason(): string {
    return this.whyNotServed;
  }

  start(): void {
    if (this.currentState !== 'streaming' || this.stream) return;
    // Recorded once, so the analysis can tell a run whose pods lack exit events from one recorded before podchurn subscribed.
    if (!this.subscribedOnce) this.events.run('container-events', { runtime: this.runtime, state: 'subscribed' });
    this.subscribedOnce = true;
    try {
      this.stream = this.client.containerEvents(this.onEvent, this.onEnd);
    } catch (error) {
      // The client was closed under the watch (its session is ending): a timer's resubscription must not throw.
      this.currentState = 'closed';
      this.events.run('container-events', { runtime: this.runtime, state: 'ended', code: 'CLIENT_CLOSED', message: String(error) });
    }
  }

  /** From now on the container's stopped event is recorded for `pod`. */
  track(containerId: string, pod: PodIdentity): void {
    if (this.currentState === 'streaming') this.owners.set(containerId, pod);
  }

  /** Ends the subscription; later events, and a later end of the stream, are not recorded. */
  close(): void {
    this.currentState = this.currentState === 'not-served' ? 'not-served' : 'closed';
    clearTimeout(this.retry);
    this.stream?.cancel();
    this.stream = undefined;
    this.owners.clear();
  }

  private readonly onEvent = (event: ContainerEventResponse): void => {
    if (event.container_event_type !== 'CONTAINER_STOPPED_EVENT') return;
    const pod = this.owners.get(event.container_id);
    if (pod === undefined) return;
    this.owners.delete(event.container_id);
    this.unrecordedEnd = false;
    this.events.pod(pod, 'exit-event', { runtimeAtNs: event.created_at });
  };

  private readonly onEnd = (error: CriCallError | null): void => {
    this.stream = undefined;
    if (this.currentState !== 'streaming') return;
    if (error?.codeName === 'UNIMPLEMENTED') {
      this.currentState = 'not-served';
      this.whyNotServed = `${error.codeName}: ${error.details}`;
      this.owners.clear();
      this.events.run('container-events', { runtime: this.runtime, state: 'not-served', code: error.codeName, message: error.details });
      return;
    }
    if (!this.unrecordedEnd) {
      this.unrecordedEnd = true;
      this.events.run('container-events', {
        runtime: this.runtime,
        state: 'ended',
        code: error?.codeName ?? 'OK',
        message: error?.details ?? 'the runtime closed the stream',
      });
    }
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start();
    }, RESUBSCRIBE_MS);
    this.retry.unref();
  };
}
