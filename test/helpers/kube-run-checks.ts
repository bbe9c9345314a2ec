import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { runEvents } from './run-dir.js';
import type { RuntimeLogWaterfall } from '../../src/results/summary.js';

/** The small end-to-end kube scenario: 20 SIGTERM-ignoring pods, batch 10, grace 3 s, slack 7 s, on the given cluster. */
export function writeGracefulKubeScenario(dir: string, name: string, cluster: Record<string, unknown>, overrides: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    toYaml({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name },
      target: { type: 'kube', kube: { qps: 50, burst: 50 } },
      cluster,
      pods: 20,
      batchSize: 10,
      concurrency: 10,
      holdSeconds: 1,
      gracePeriodSeconds: 3,
      requestTimeoutSeconds: 30,
      slackSeconds: 7,
      workload: { onSigterm: 'ignore' },
      ...overrides,
    }),
  );
  return file;
}

/**
 * The end-to-end check of a small kube run with a SIGTERM-ignoring workload on a real node: the run
 * completed with every pod ok and nothing left, each deletion took at least the grace period and less
 * than grace + slack (kubelet's sync and status round trip), and the watch named every pod's container.
 */
/**
 * `runtimeLog`: the node's containerd log was copied into the run, so each deletion's runtime side is in the
 * summary's runtime-log waterfall; `exitLines` when that containerd logs exit events at info level (2.x).
 */
export function expectGracefulKubeRun(runDir: string, expected: { pods: number; graceMs: number; slackMs: number; runtimeLog?: { exitLines: boolean } }): void {
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as {
    status: string;
    cells: { podCount: number; outcomes: Record<string, number>; runtimeLogWaterfall?: RuntimeLogWaterfall }[];
    leakCheck: { leaked: string[] };
  };
  expect(summary.status).to.equal('completed');
  expect(summary.cells[0]!.podCount).to.equal(expected.pods);
  expect(summary.cells[0]!.outcomes.ok).to.equal(expected.pods);
  expect(summary.leakCheck.leaked).to.deep.equal([]);

  // Deletion latency = gone - delete sent.
  const events = runEvents(runDir);
  const sent = new Map(events.filter((e) => e.kind === 'delete-sent').map((e) => [e.pod, e.mono]));
  const gone = events.filter((e) => e.kind === 'gone');
  expect(gone).to.have.length(expected.pods);
  for (const event of gone)
    expect(event.mono - sent.get(event.pod)!, event.pod)
      .to.be.at.least(expected.graceMs)
      .and.below(expected.graceMs + expected.slackMs);
  // Containers really ran in pods on the node: the watch named their containerd ids.
  expect(events.filter((e) => e.kind === 'running' && e.data?.containerId)).to.have.length(expected.pods);

  if (!expected.runtimeLog) return;
  const waterfall = summary.cells[0]!.runtimeLogWaterfall;
  expect(waterfall, 'runtime log waterfall').to.include({
    pods: expected.pods,
    withStopContainer: expected.pods,
    stopReturned: expected.pods,
    stopFailed: 0,
    stopUnanswered: 0,
    sandboxStopped: expected.pods,
    withExitLine: expected.runtimeLog.exitLines ? expected.pods : 0,
  });
  const phases = waterfall!.phasesMs;
  // SIGTERM ignored: the runtime's StopContainer waits out the grace period before it kills.
  expect(phases.stopInRuntime!.p50).to.be.at.least(expected.graceMs - 50);
  // The runtime's stop lies inside podchurn's DELETE -> DELETED, on the same host's clock.
  expect(phases.sentToStopReceived!.count).to.equal(expected.pods);
  expect(phases.sentToStopReceived!.p50).to.be.at.least(0);
  expect(phases.sandboxStoppedToGone!.p50).to.be.at.least(0);
  const deletionP50 = phases.sentToStopReceived!.p50 + phases.stopInRuntime!.p50;
  expect(deletionP50).to.be.below(expected.graceMs + expected.slackMs);
}
