import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs the built CLI as a child process and samples its VmHWM (peak RSS) every 100 ms until it exits. */
export async function runCliSamplingPeakRss(args: readonly string[]): Promise<{ peakKb: number; exitCode: number | null; wallMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/podchurn.js', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // exited between two samples
    }
  }, 100);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  return { peakKb, exitCode, wallMs: performance.now() - started };
}
