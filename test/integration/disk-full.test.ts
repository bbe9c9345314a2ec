import { expect } from 'chai';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/util/exec.js';
import { spawnCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { writeScenario } from '../helpers/scenario.js';

/** Writes zeros until the filesystem refuses more. */
function fillUp(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // A last small write takes the remaining bytes below one chunk.
  const tail = openSync(`${file}-tail`, 'w');
  try {
    for (;;) written += writeSync(tail, Buffer.alloc(512));
  } catch {
    // full
  } finally {
    closeSync(tail);
  }
  return written;
}

describe('the run directory fills up in the middle of a run', function () {
  this.timeout(240_000);

  it('stops with exit 3 naming the full disk, cleans up everything, and keeps valid events', async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'podchurn-fills-'));
    const mounted = await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', mountPoint]);
    expect(mounted.exitCode, mounted.stderr).to.equal(0);
    try {
      // Many short cycles with exec probes: events are written all the time.
      const { file } = writeScenario('fills', {
        pods: 4,
        batchSize: 4,
        cycles: 200,
        gracePeriodSeconds: 1,
        workload: { onSigterm: 'exit' },
        execProbe: { enabled: true, periodMs: 100, workers: 1 },
      });
      const { done } = spawnCli(['run', file, '--reports-dir', mountPoint]);
      const runDir = await new Promise<string>((resolve, reject) => {
        const started = Date.now();
        const timer = setInterval(() => {
          const dirs = readdirSync(mountPoint);
          const events = dirs[0] ? join(mountPoint, dirs[0], 'events.jsonl') : '';
          // Wait until pods have really gone through the runtime (a sandbox ready was recorded).
          if (events && existsSync(events) && readFileSync(events, 'utf8').includes('"kind":"gone"')) {
            clearInterval(timer);
            resolve(join(mountPoint, dirs[0]!));
          } else if (Date.now() - started > 120_000) {
            clearInterval(timer);
            reject(new Error('the run never got going'));
          }
        }, 200);
      });
      const runId = runDir.split('/').at(-1)!;
      const linesBefore = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).length;
      const filledAt = Date.now();
      fillUp(join(mountPoint, 'filler'));
      const result = await done;
      const seconds = (Date.now() - filledAt) / 1000;

      expect(result.code, result.stderr).to.equal(3);
      expect(seconds, 'the run must stop soon after the disk filled').to.be.below(60);
      expect(result.stderr).to.match(/cannot write .*events\.jsonl: no space left on the device/);
      expect(result.stderr).to.match(/cleaned up/);
      expect(result.stderr, result.stderr).to.match(/the leak check found nothing left behind/);
      expect(result.stderr).not.to.match(/\n\s+at /);

      // What was written before the disk filled is all there, and every line is a whole JSON event.
      const text = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
      expect(text.endsWith('\n')).to.equal(true);
      const lines = text.split('\n').filter(Boolean);
      expect(lines.length).to.be.at.least(linesBefore);
      for (const line of lines) expect(() => JSON.parse(line), line).not.to.throw();
      expect(lines.map((l) => JSON.parse(l).kind)).to.include('gone');

      // Cleanup happened although nothing more could be recorded: no containers, shims, mounts or cgroups left.
      expect(await hostLeftovers(runId)).to.deep.equal([]);
    } finally {
      await runCommand('umount', ['-l', mountPoint]);
    }
  });
});
