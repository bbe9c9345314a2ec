import { expect } from 'chai';
import type { RunEvent } from '../../src/engine/events.js';
import { checkLeaks } from '../../src/run/analyze-run.js';

const event = (kind: RunEvent['kind'], data: Record<string, unknown>): RunEvent => ({ mono: 0, wall: 0, kind, data });
const sandboxA = 'sandbox/aaaaaaaaaaaa of t-c01-r1-y1-0000 (SANDBOX_NOTREADY) holding network namespace /var/run/netns/cni-a: RemovePodSandbox: UNKNOWN: x';
const sandboxB = 'sandbox/bbbbbbbbbbbb of t-c01-r2-y1-0000 (SANDBOX_NOTREADY) holding network namespace /var/run/netns/cni-b: RemovePodSandbox: UNKNOWN: x';

describe('leak check of a run', () => {
  it('counts an object that every later cleanup lists again once, and names what the teardown removed for it', () => {
    // Two repetitions on one managed runtime: the second cleanup lists the first one's sandbox again.
    const cleanups = [
      event('cleanup', { runtime: 'r-1', forced: [{ pod: 't-c01-r1-y1-0000', object: 'sandbox/aaaaaaaaaaaa' }], leftovers: [sandboxA] }),
      event('cleanup', {
        runtime: 'r-1',
        forced: [
          { pod: 't-c01-r1-y1-0000', object: 'sandbox/aaaaaaaaaaaa' },
          { pod: 't-c01-r2-y1-0000', object: 'sandbox/bbbbbbbbbbbb' },
        ],
        leftovers: [sandboxA, sandboxB],
      }),
    ];
    const forced = cleanups.flatMap((c) => c.data!.forced as { pod: string; object: string }[]);
    const teardown = event('runtime-teardown', {
      runtime: 'r-1',
      managed: true,
      unmountFailures: [],
      removedNetworkNamespaces: ['/run/netns/cni-a', '/run/netns/cni-b'],
    });
    const check = checkLeaks(cleanups, [teardown], forced);
    expect(check.leftInRuntime).to.deep.equal([sandboxA, sandboxB]);
    expect(check.removedWithRuntime).to.equal(2);
    expect(check.removedAtTeardown).to.deep.equal(['network namespace /run/netns/cni-a', 'network namespace /run/netns/cni-b']);
    expect(check.leaked).to.deep.equal([]);
    expect(check.forced.map((f) => f.object)).to.deep.equal(['sandbox/aaaaaaaaaaaa', 'sandbox/bbbbbbbbbbbb']);
  });

  it('leaks what a runtime it did not start still holds, and what a teardown could not unmount', () => {
    const cleanup = event('cleanup', { runtime: 'r-1', forced: [], leftovers: [sandboxA] });
    const teardown = event('runtime-teardown', { runtime: 'r-1', managed: false, unmountFailures: [] });
    expect(checkLeaks([cleanup], [teardown], []).leaked).to.deep.equal([sandboxA]);
    const failed = event('runtime-teardown', { runtime: 'r-1', managed: true, unmountFailures: ['network namespace /run/netns/cni-a: cannot unmount'] });
    expect(checkLeaks([cleanup], [failed], []).leaked).to.deep.equal(['r-1: network namespace /run/netns/cni-a: cannot unmount', sandboxA]);
  });

  it('counts a leaked IP reservation once although each later cleanup of the runtime finds it again', () => {
    const ip = (pod: string) => `ip/10.212.40.2 reserved in podchurn-ac285a8a52 for sandbox/a2fddaf8324c of ${pod}, which the runtime no longer lists`;
    const cleanups = [
      event('cleanup', { runtime: 'r-1', forced: [], leftovers: [ip('t-c01-r1-y1-0003')] }),
      event('cleanup', { runtime: 'r-1', forced: [], leftovers: [ip('an earlier repetition or no pod of this run')] }),
    ];
    const teardown = event('runtime-teardown', { runtime: 'r-1', managed: true, unmountFailures: [], removedNetworkObjects: ['bridge pcac285a8a52'] });
    const check = checkLeaks(cleanups, [teardown], []);
    expect(check.leftInRuntime).to.deep.equal([ip('t-c01-r1-y1-0003')]);
    expect(check.removedAtTeardown).to.deep.equal(['bridge pcac285a8a52']);
  });

  it('names the container processes a teardown had to kill: they outlived their pods and shims', () => {
    const teardown = event('runtime-teardown', { runtime: 'r-1', managed: true, unmountFailures: [], killedProcesses: 5 });
    const check = checkLeaks([], [teardown], []);
    expect(check.removedAtTeardown).to.deep.equal(['5 container processes (killed) of runtime r-1']);
    expect(check.leaked).to.deep.equal([]);
    expect(checkLeaks([], [{ ...teardown, data: { ...teardown.data, killedProcesses: 0 } }], []).removedAtTeardown).to.deep.equal([]);
  });
});
