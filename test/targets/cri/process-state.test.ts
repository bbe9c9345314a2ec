import { expect } from 'chai';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { ContainerStatusResponse } from '../../../src/cri/types.js';
import { checkProcess, judgeRunningAfterStop, pidFromVerboseInfo } from '../../../src/targets/cri/process-state.js';
import { sleep } from '../../../src/util/clock.js';

/** A real containerd 1.7.22 verbose ContainerStatus reply (test/fixtures/make-cri-verbose-status.ts wrote it). */
const realReply = JSON.parse(
  readFileSync(new URL('../../fixtures/cri-verbose-status/containerd-1.7.22.json', import.meta.url), 'utf8'),
) as ContainerStatusResponse;
const realInfo = JSON.parse(realReply.info.info!) as Record<string, unknown>;

/** The real reply's info with its JSON changed by `edit`. */
function editedInfo(edit: (info: Record<string, unknown>) => void): Record<string, string> {
  const info = structuredClone(realInfo);
  edit(info);
  return { ...realReply.info, info: JSON.stringify(info) };
}

function nowNs(offsetMs = 0): string {
  return String(BigInt(Date.now() + offsetMs) * 1_000_000n);
}

async function stateOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe('lost-exit check: the task pid from a verbose ContainerStatus', () => {
  it('reads the pid of a real containerd 1.7.22 reply', () => {
    expect(realReply.status?.state).to.equal('CONTAINER_RUNNING');
    expect(realInfo.pid).to.be.a('number');
    expect(pidFromVerboseInfo(realReply.info)).to.deep.equal({ pid: realInfo.pid });
  });

  it('says why when the pid cannot be read, and never invents one', () => {
    const cases: [Record<string, string> | null | undefined, RegExp][] = [
      [undefined, /no "info" entry/],
      [null, /no "info" entry/],
      [{}, /no "info" entry/],
      [{ info: '' }, /no "info" entry/],
      [{ info: '{"sandboxID": "abc", "pid": 12' }, /not JSON/],
      [{ info: 'null' }, /no pid field/],
      [{ info: '[1234]' }, /no pid field/],
      [editedInfo((info) => delete info.pid), /no pid field/],
      // containerd answers pid 0 when it holds no task for the container.
      [editedInfo((info) => (info.pid = 0)), /not a process id: 0/],
      [editedInfo((info) => (info.pid = '1234')), /not a process id: "1234"/],
      [editedInfo((info) => (info.pid = -5)), /not a process id: -5/],
      [editedInfo((info) => (info.pid = 12.5)), /not a process id: 12.5/],
    ];
    for (const [info, reason] of cases) {
      const reading = pidFromVerboseInfo(info);
      expect(reading.pid, JSON.stringify(info)).to.equal(null);
      expect(reading.pid === null && reading.reason, JSON.stringify(info)).to.match(reason);
    }
  });
});

describe("lost-exit check: is the pid the container's live process (/proc/<pid>/stat)", () => {
  const children: ChildProcess[] = [];
  function start(file: string, args: string[]): ChildProcess {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    return child;
  }
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('a live process is alive, with the state letter seen', async () => {
    const child = start('sleep', ['30']);
    await once(child, 'spawn');
    const check = await checkProcess(child.pid!);
    expect(check).to.include({ check: `/proc/${child.pid}/stat`, alive: true });
    expect(check.state).to.match(/^[RSD]$/);
    expect(check.found).to.equal(`alive (state ${check.state})`);
  });

  it('reads the state past a command name holding ") Z ("', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-proc-'));
    const oddName = join(dir, 'a) Z (b');
    copyFileSync('/bin/sleep', oddName);
    const child = start(oddName, ['30']);
    await once(child, 'spawn');
    await sleep(100);
    const check = await checkProcess(child.pid!, { containerStartedAtNs: nowNs() });
    expect(check.alive).to.equal(true);
    expect(check.state).to.equal(await stateOf(child.pid!));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a zombie (exited, never reaped) is gone', async () => {
    // The shell starts a short sleep in the background, prints its pid, then becomes `sleep 30`, which
    // never waits for children: the background sleep exits into a zombie no one reaps.
    const parent = start('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30']);
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
    const zombie = Number(line.toString().trim());
    expect(zombie).to.be.greaterThan(0);
    for (let waited = 0; (await stateOf(zombie)) !== 'Z'; waited += 50) {
      if (waited > 5_000) expect.fail(`pid ${zombie} did not become a zombie (state ${await stateOf(zombie)})`);
      await sleep(50);
    }
    expect(await checkProcess(zombie)).to.deep.equal({ check: `/proc/${zombie}/stat`, alive: false, state: 'Z', found: 'zombie (state Z)' });
  });

  it('a reaped pid is no such process', async () => {
    const child = start('true', []);
    await once(child, 'exit');
    expect(await checkProcess(child.pid!)).to.deep.equal({ check: `/proc/${child.pid}/stat`, alive: false, state: null, found: 'no such process' });
  });

  it("a process that started well after the container is a reused pid: the container's process is gone", async () => {
    const child = start('sleep', ['30']);
    await once(child, 'spawn');
    await sleep(50);
    // The container's own process starts before CRI's started_at (runc create precedes start).
    const own = await checkProcess(child.pid!, { containerStartedAtNs: nowNs() });
    expect(own.alive).to.equal(true);
    expect(own.processStartedAtMs).to.be.within(Date.now() - 3_000, Date.now());
    // A container started a minute before this process cannot own it.
    const reused = await checkProcess(child.pid!, { containerStartedAtNs: nowNs(-60_000) });
    expect(reused.alive).to.equal(false);
    expect(reused.state).to.match(/^[RSD]$/);
    const later = /^pid reused: a process in state [RSD] that started (\d+\.\d) s after the container$/.exec(reused.found);
    // The start estimate is early by under 1 s (whole-second boot time).
    expect(Number(later?.[1])).to.be.within(58.5, 60.5);
  });
});

describe('lost-exit check: what a CRI RUNNING after a stop comes to', () => {
  it('the real reply with the pid of a reaped process: state-mismatch, with the pid and how it was checked', async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    await once(child, 'exit');
    const info = editedInfo((i) => (i.pid = child.pid));
    expect(await judgeRunningAfterStop(info, realReply.status!.started_at)).to.deep.equal({
      kind: 'state-mismatch',
      data: {
        pidSource: 'cri-verbose-info',
        pid: child.pid,
        check: `/proc/${child.pid}/stat`,
        found: 'no such process',
        processState: null,
        processAlive: false,
      },
    });
  });

  it('the real reply with the pid of a live process started with the container: nothing lost', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      expect(
        await judgeRunningAfterStop(
          editedInfo((i) => (i.pid = child.pid)),
          nowNs(),
        ),
      ).to.equal(null);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a pid that cannot be read is state-unverified with the reason, never state-mismatch', async () => {
    expect(
      await judgeRunningAfterStop(
        editedInfo((i) => delete i.pid),
        realReply.status!.started_at,
      ),
    ).to.deep.equal({
      kind: 'state-unverified',
      data: { pidSource: 'cri-verbose-info', reason: 'verbose info has no pid field' },
    });
    expect(await judgeRunningAfterStop({}, realReply.status!.started_at)).to.deep.equal({
      kind: 'state-unverified',
      data: { pidSource: 'cri-verbose-info', reason: 'verbose ContainerStatus has no "info" entry' },
    });
  });
});
