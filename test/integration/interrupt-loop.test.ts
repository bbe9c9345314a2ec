import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/stats/prng.js';
import type { RunSummary } from '../../src/results/summary.js';
import { sleep } from '../../src/util/clock.js';
import { spawnCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { writeScenario } from '../helpers/scenario.js';

/** The run directory once events.jsonl has its first line (the CLI's signal handlers are in place by then). */
async function runStarted(reportsDir: string): Promise<string> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    const [runId] = existsSync(reportsDir) ? readdirSync(reportsDir) : [];
    const events = runId ? join(reportsDir, runId, 'events.jsonl') : '';
    // The run directory exists a moment before its events.jsonl does.
    if (events && existsSync(events) && readFileSync(events, 'utf8').length > 0) return join(reportsDir, runId!);
    await sleep(50);
  }
  throw new Error('the run did not start');
}

describe('interrupts at random points (seeded)', function () {
  this.timeout(20 * 60_000);
  const random = seededRandom(20261127);
  const points = Array.from({ length: 20 }, (_, i) => ({
    signal: random() < 0.5 ? ('SIGINT' as const) : ('SIGTERM' as const),
    // 0-6 s after the run starts: during containerd start-up, image import, creates, probes, the hold or deletes.
    delayMs: Math.round(random() * 6000),
    index: i,
  }));

  for (const point of points) {
    it(`#${point.index + 1}: ${point.signal} ${point.delayMs} ms into the run -> exit 130, nothing left`, async () => {
      const { file, reportsDir } = writeScenario(`interrupt-${point.index + 1}`, {
        pods: 6,
        batchSize: 3,
        concurrency: 3,
        holdSeconds: 3,
        gracePeriodSeconds: 1,
        cycles: 3,
        workload: { onSigterm: point.index % 2 ? 'ignore' : 'exit' },
        execProbe: { enabled: true, periodMs: 100 },
      });
      const { child, done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
      const dir = await runStarted(reportsDir);
      await sleep(point.delayMs);
      child.kill(point.signal);
      const result = await done;
      expect(result.code, result.stderr.slice(-2000)).to.equal(130);
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.status).to.equal('interrupted');
      expect(summary.leakCheck.leaked).to.deep.equal([]);
      expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
    });
  }
});
