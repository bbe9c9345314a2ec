import { expect } from 'chai';
import { CriClient } from '../../../src/cri/client.js';
import type { EventSink, PodEvent, RunEvent } from '../../../src/engine/events.js';
import { ContainerExitWatch } from '../../../src/targets/cri/container-exit-watch.js';

/** Collects what the watch records. */
function recordingSink(): EventSink & { runs: RunEvent[]; pods: PodEvent[] } {
  const runs: RunEvent[] = [];
  const pods: PodEvent[] = [];
  return {
    runs,
    pods,
    pod(identity, kind, data) {
      const event: PodEvent = { ...identity, kind, mono: 0, wall: 0, ...(data ? { data } : {}) };
      pods.push(event);
      return event;
    },
    run(kind, data, cell) {
      const event: RunEvent = { kind, mono: 0, wall: 0, ...(cell ? { cell } : {}), ...(data ? { data } : {}) };
      runs.push(event);
      return event;
    },
  };
}

describe('ContainerExitWatch', () => {
  it('a client closed under it (its session ending) stops the watch instead of throwing from a timer', () => {
    const client = new CriClient('/nonexistent/podchurn-exit-watch.sock');
    client.close();
    const events = recordingSink();
    const watch = new ContainerExitWatch(client, events, 'r-1');
    expect(() => watch.start()).not.to.throw();
    expect(watch.state).to.equal('closed');
    expect(events.runs.map((e) => [e.data?.state, e.data?.code])).to.deep.equal([
      ['subscribed', undefined],
      ['ended', 'CLIENT_CLOSED'],
    ]);
    // Nothing is tracked once the watch has stopped.
    watch.track('c-1', { pod: 'p', cell: 'cell-01', rep: 1, cycle: 1, replica: 0 });
    watch.close();
    expect(watch.state).to.equal('closed');
  });

  it('a runtime that cannot be reached ends the stream, which is recorded once and retried until the watch is closed', async () => {
    const client = new CriClient('/nonexistent/podchurn-exit-watch.sock');
    const events = recordingSink();
    const watch = new ContainerExitWatch(client, events, 'r-2');
    try {
      watch.start();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(watch.state).to.equal('streaming');
      const states = events.runs.map((e) => e.data?.state);
      // Retried every 250 ms while it fails; only the first end of that run of failures is recorded.
      expect(states).to.deep.equal(['subscribed', 'ended']);
      expect(events.runs[1]!.data?.code).to.equal('UNAVAILABLE');
    } finally {
      watch.close();
      client.close();
    }
    expect(watch.state).to.equal('closed');
  });
});
