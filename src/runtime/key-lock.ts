import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { sleep } from '../util/clock.js';

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let attempts = 0;

/**
 * Creates `lockFile` holding this process's pid, or returns false when it exists. The pid is written to a
 * file of our own first and hard-linked into place (link fails when the name exists), so a lock file
 * never exists without its owner's pid in it.
 */
async function tryCreate(lockFile: string): Promise<boolean> {
  const own = `${lockFile}.${process.pid}.${++attempts}`;
  await writeFile(own, `${process.pid}\n`);
  try {
    await link(own, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(own, { force: true });
  }
}

/** The pid written in a lock file, or undefined when it is gone. */
async function lockOwner(lockFile: string): Promise<number | undefined> {
  const text = await readFile(lockFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Runs `work` while holding `lockFile`, a file created exclusively that holds the owner's pid. Another
 * holder, in this process or another, is waited for (`onWait` is told once whom); a lock whose owner
 * has exited (a build that was killed) is taken over. The runtime store uses it so that two runs or
 * test processes wanting the same missing key build it once, not twice at the same time on a 2-core
 * machine.
 */
export async function withFileLock<T>(
  lockFile: string,
  work: () => Promise<T>,
  options: { onWait?: (ownerPid: number) => void; pollMs?: number } = {},
): Promise<T> {
  let toldWaiting = false;
  for (;;) {
    if (await tryCreate(lockFile)) break;
    const owner = await lockOwner(lockFile);
    if (owner !== undefined && !processExists(owner)) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (owner !== undefined && !toldWaiting) {
      options.onWait?.(owner);
      toldWaiting = true;
    }
    await sleep(options.pollMs ?? 1_000);
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}
