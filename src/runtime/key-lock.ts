import { readFile, rm, stat, writeFile } from 'node:fs/promises';
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

/** The pid written in a lock file, or undefined when it is gone or not yet written. */
async function lockOwner(lockFile: string): Promise<number | undefined> {
  const text = await readFile(lockFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Runs `work` while holding `lockFile`, a file created exclusively (O_EXCL) that holds the owner's
 * pid. Another holder, in this process or another, is waited for (`onWait` is told once whom); a
 * lock whose owner has exited (a build that was killed) is taken over. The runtime store uses it so
 * that two runs or test processes wanting the same missing key build it once, not twice at the same
 * time on a 2-core machine.
 */
export async function withFileLock<T>(lockFile: string, work: () => Promise<T>, options: { onWait?: (ownerPid: number) => void; pollMs?: number } = {}): Promise<T> {
  let toldWaiting = false;
  for (;;) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await lockOwner(lockFile);
    // No pid in it for a while: its creator died between creating and writing it.
    const ownerless = owner === undefined && Date.now() - ((await stat(lockFile).catch(() => undefined))?.mtimeMs ?? Date.now()) > 10_000;
    if (ownerless || (owner !== undefined && !processExists(owner))) {
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
