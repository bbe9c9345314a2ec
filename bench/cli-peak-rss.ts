import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface SampledRun {
  peakKb: number;
  exitCode: number | null;
  wallMs: number;
}

/** Runs the built CLI as a child process and samples its VmHWM (peak RSS) every 100 ms until it exits. */
export function runCliSamplingPeakRss(args: readonly string[]): Promise<SampledRun> {
  return runSamplingPeakRss(process.execPath, ['bin/podchurn.js', ...args]);
}

/** Runs any program as a child process and samples its VmHWM (peak RSS) every 100 ms until it exits. */
export async function runSamplingPeakRss(file: string, args: readonly string[], options: { cwd?: string; logFile?: string } = {}): Promise<SampledRun> {
  const started = performance.now();
  const child = spawnLogged(file, args, options);
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // exited between two samples
    }
  }, 100);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.on('exit', resolve);
    child.on('error', () => resolve(null));
  });
  clearInterval(timer);
  return { peakKb, exitCode, wallMs: performance.now() - started };
}

/** With a log file, both output streams go there (a peer's own log, kept for a failed run); else stderr is passed through. */
function spawnLogged(file: string, args: readonly string[], options: { cwd?: string; logFile?: string }): ChildProcess {
  const log = options.logFile ? openSync(options.logFile, 'a') : undefined;
  try {
    return spawn(file, args, { cwd: options.cwd, stdio: ['ignore', log ?? 'ignore', log ?? 'inherit'] });
  } finally {
    if (log !== undefined) closeSync(log);
  }
}
