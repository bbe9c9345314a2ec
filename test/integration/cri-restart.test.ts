import { expect } from 'chai';
import { externalContainerdOptions } from '../helpers/external-containerd.js';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient } from '../../src/cri/client.js';
import { isPodEvent, type PodEvent } from '../../src/engine/events.js';
import { RUN_LABEL } from '../../src/engine/churn.js';
import { parseEventLines } from '../../src/results/event-log.js';
import type { RunSummary } from '../../src/results/summary.js';
import { ManagedContainerd, type ManagedContainerdOptions } from '../../src/runtime/managed-containerd.js';
import { runScenario } from '../../src/run/run-scenario.js';
import { sleep } from '../../src/util/clock.js';
import { writeScenario } from '../helpers/scenario.js';

/**
 * containerd restarted while StopContainer calls are in flight (upstream containerd#12600): the
 * runtime is one podchurn does not own (target.endpoint), so podchurn must record what happened to
 * each pod, never hang, and clean up once the runtime answers again.
 */
describe('containerd restarted during StopContainer (an existing endpoint)', function () {
  this.timeout(240_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-restart-'));
  let options: ManagedContainerdOptions;
  let daemon: ManagedContainerd;

  before(async () => {
    options = await externalContainerdOptions(work, 'restart');
    daemon = await ManagedContainerd.start(options);
  });
  after(async () => {
    // The last daemon takes the shims, mounts and cgroups of both lives with it.
    const teardown = await daemon.stop();
    expect(teardown.unmountFailures).to.deep.equal([]);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} to containerd mid-stop, started again on the same root/state/socket: pods recorded with the CRI error, no hang, nothing left`, async () => {
      const grace = 4;
      const { file, reportsDir } = writeScenario(`restart-${signal.toLowerCase()}`, {
        pods: 6,
        batchSize: 6,
        concurrency: 6,
        gracePeriodSeconds: grace,
        requestTimeoutSeconds: 20,
        workload: { onSigterm: 'ignore' },
        target: { type: 'cri', endpoint: daemon.socket },
      });
      const started = Date.now();
      const run = runScenario({ scenarioFile: file, overrides: [], reportsDir, signal: new AbortController().signal });

      // Every StopContainer sent (the workloads ignore SIGTERM, so each is in flight for `grace` s), then restart.
      const deadline = Date.now() + 90_000;
      let delivered = false;
      while (Date.now() < deadline) {
        const dirs = existsSync(reportsDir) ? readdirSync(reportsDir) : [];
        const events = dirs[0] ? join(reportsDir, dirs[0], 'events.jsonl') : '';
        if (events && existsSync(events) && parseEventLines(readFileSync(events, 'utf8')).filter((e) => e.kind === 'delete-sent').length === 6) {
          delivered = true;
          break;
        }
        await sleep(50);
      }
      expect(delivered, 'StopContainer was never sent').to.equal(true);
      await sleep(1000);
      const oldPid = daemon.pid!;
      process.kill(oldPid, signal);
      await daemon.exited;
      // A supervisor's restart: same binaries, config, root, state and socket (shims kept running).
      daemon = await ManagedContainerd.start(options);
      expect(daemon.pid).not.to.equal(oldPid);

      const { dir, analysis } = await run;
      const seconds = (Date.now() - started) / 1000;
      // No hang: far below grace + requestTimeoutSeconds per batch (24 s) plus cleanup deadlines.
      expect(seconds, 'the run must end promptly').to.be.below(60);

      const events = parseEventLines(readFileSync(join(dir.path, 'events.jsonl'), 'utf8'));
      const podEvents = events.filter(isPodEvent);
      const failedStops = podEvents.filter((e): e is PodEvent => e.kind === 'stop-failed');
      const returnedStops = podEvents.filter((e) => e.kind === 'stop-returned');
      // Each pod's stop either failed with the gRPC code the restart caused, or (if it got in before) returned.
      expect(failedStops.length + returnedStops.length).to.equal(6);
      expect(failedStops.length, 'the restart must have hit stops in flight').to.be.greaterThan(0);
      for (const e of failedStops) expect(['UNAVAILABLE', 'CANCELLED', 'UNKNOWN']).to.include(e.data!.code);

      const summary = JSON.parse(readFileSync(join(dir.path, 'summary.json'), 'utf8')) as RunSummary;
      const cell = summary.cells[0]!;
      expect(summary.status).to.equal('completed');
      // The CRI errors are in summary.json by phase and code, and the affected pods are not counted as ok.
      const failedCodes = new Set(failedStops.map((e) => String(e.data!.code)));
      for (const code of failedCodes) expect(cell.criErrors[`stop:${code}`]).to.equal(failedStops.filter((e) => e.data!.code === code).length);
      expect(cell.outcomes.ok).to.be.at.most(6 - failedStops.length);
      expect(cell.outcomes['infra-error'] + cell.outcomes['stop-error'] + cell.outcomes['force-deleted']).to.be.at.least(failedStops.length);
      expect(analysis.summary.leakCheck.leaked).to.deep.equal([]);
      expect(analysis.summary.leakCheck.leftInRuntime).to.deep.equal([]);

      // The restarted runtime holds nothing of the run.
      const client = new CriClient(daemon.socket);
      try {
        const runId = summary.runId;
        expect(await client.listContainers({ labelSelector: { [RUN_LABEL]: runId } })).to.deep.equal([]);
        expect(await client.listPodSandboxes({ [RUN_LABEL]: runId })).to.deep.equal([]);
      } finally {
        client.close();
      }
    });
  }
});
