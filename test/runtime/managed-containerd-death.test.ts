import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedContainerd } from '../../src/runtime/managed-containerd.js';
import { externalContainerdOptions } from '../helpers/external-containerd.js';

/** The state letter of /proc/<pid>/stat, read synchronously so Node cannot reap the process in between. */
function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.charAt(stat.lastIndexOf(')') + 2);
}

/**
 * A daemon killed by someone else is a zombie until Node handles its SIGCHLD. A stop requested in that
 * window (a run whose last CRI calls failed at once and went straight to teardown) must still see the
 * exit as unexpected: CI once recorded exit 0 for a run whose containerd had been killed.
 */
describe('a managed containerd that died before its stop was asked for', function () {
  this.timeout(60_000);

  it('is not marked as stopping, so its exit is reported as unexpected', async () => {
    const daemon = await ManagedContainerd.start(await externalContainerdOptions(mkdtempSync(join(tmpdir(), 'podchurn-death-')), 'death'));
    const pid = daemon.pid!;
    process.kill(pid, 'SIGKILL');
    // Spin without yielding to the event loop until the kernel shows the zombie: Node has not seen the exit yet.
    const until = Date.now() + 5_000;
    while (stateOf(pid) !== 'Z' && Date.now() < until);
    expect(stateOf(pid)).to.equal('Z');
    const stopped = daemon.stop();
    expect(daemon.isStopping, 'a stop requested after the death').to.equal(false);
    const teardown = await stopped;
    expect(await daemon.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
    expect(teardown.unmountFailures).to.deep.equal([]);
  });

  it('a stop of a live daemon is marked as stopping', async () => {
    const daemon = await ManagedContainerd.start(await externalContainerdOptions(mkdtempSync(join(tmpdir(), 'podchurn-death-')), 'live'));
    const stopped = daemon.stop();
    expect(daemon.isStopping).to.equal(true);
    await stopped;
  });
});
