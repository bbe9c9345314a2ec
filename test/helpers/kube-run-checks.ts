import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { runEvents } from './run-dir.js';

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
export function expectGracefulKubeRun(runDir: string, expected: { pods: number; graceMs: number; slackMs: number }): void {
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as {
    status: string;
    cells: { podCount: number; outcomes: Record<string, number> }[];
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
}
