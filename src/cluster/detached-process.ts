import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { sleep } from '../util/clock.js';

/** What to run: argv, and directories put before the usual PATH (the environment is never recorded). */
export interface DetachedCommand {
  file: string;
  args: string[];
  pathPrefix?: string[];
}

const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** A process that outlives the podchurn command that started it, found again by pid + start time. */
export interface DetachedProcessRecord {
  name: string;
  /** How it was started, so it can be started again the same way. */
  command: DetachedCommand;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells our process apart from a later one that reuses the pid. */
  startTicks: string;
  logFile: string;
}

function startTicksOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Starts argv in its own session with output appended to logFile; podchurn may exit while it runs. */
export async function startDetached(name: string, command: DetachedCommand, logFile: string): Promise<DetachedProcessRecord> {
  const log = openSync(logFile, 'a');
  const env = command.pathPrefix ? { ...process.env, PATH: [...command.pathPrefix, ...SYSTEM_PATH].join(':') } : process.env;
  try {
    const child = spawn(command.file, command.args, { stdio: ['ignore', log, log], detached: true, env });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    const pid = child.pid!;
    return { name, command, pid, startTicks: startTicksOf(pid) ?? '', logFile };
  } finally {
    closeSync(log);
  }
}

export function isAlive(record: DetachedProcessRecord): boolean {
  const ticks = startTicksOf(record.pid);
  if (ticks === undefined || ticks !== record.startTicks) return false;
  // A zombie (exited, not yet reaped by us as its parent) counts as gone.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${record.pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. Returns whether SIGKILL was needed. */
export async function stopDetached(record: DetachedProcessRecord, graceMs = 10_000): Promise<boolean> {
  if (!isAlive(record)) return false;
  process.kill(record.pid, 'SIGTERM');
  const deadline = performance.now() + graceMs;
  while (performance.now() < deadline) {
    if (!isAlive(record)) return false;
    await sleep(50);
  }
  try {
    process.kill(record.pid, 'SIGKILL');
  } catch {
    return false;
  }
  while (isAlive(record)) await sleep(50);
  return true;
}

export function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
