import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { buildPodRecords } from '../../src/measurements/pod-lifecycle/pod-records.js';
import type { ApiserverHarness } from '../../src/cluster/apiserver-harness.js';
import { freeLoopbackPort } from '../../src/cluster/free-port.js';
import { RUN_LABEL, runChurn } from '../../src/engine/churn.js';
import { isPodEvent, type PodEvent, type RecordedEvent } from '../../src/engine/events.js';
import { EventLog, parseEventLines } from '../../src/results/event-log.js';
import type { RunSummary } from '../../src/results/summary.js';
import { openKubeSession } from '../../src/targets/kube/kube-session.js';
import { CellSettingsSchema, type CellSettings } from '../../src/scenario/schema.js';
import { monotonicClock, sleep } from '../../src/util/clock.js';
import { apiserverPerSuite } from '../helpers/apiserver.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';
import { primaryLatency } from '../../src/measurements/pod-lifecycle/primary-latency.js';

/** No kubelet runs: pods are bound to a node that does not exist and a create ends at the API's answer. */
const apiOnly = (kubeconfig: string, kube: Record<string, unknown> = {}) => ({
  type: 'kube',
  kube: { kubeconfig, nodeName: 'no-such-node', waitFor: 'created', deleteGracePeriodSeconds: 0, qps: 50, burst: 50, ...kube },
});

/** Runs one cell in-process against the harness and returns its pod events and the session's close report. */
async function churn(harness: ApiserverHarness, runId: string, fields: Record<string, unknown>, during?: (settings: CellSettings) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'podchurn-kube-'));
  const clock = monotonicClock();
  const events = new EventLog(join(dir, 'events.jsonl'), clock);
  const { kube, ...cellFields } = fields;
  const settings = CellSettingsSchema.parse({
    holdSeconds: 0,
    gracePeriodSeconds: 0,
    ...cellFields,
    target: apiOnly(harness.kubeconfig, (kube ?? {}) as Record<string, unknown>),
  });
  const session = await openKubeSession(settings, runId, 1, events, clock, { evidenceDir: join(dir, 'evidence') });
  const target = session.target('cell-01', 1, settings);
  let cleanup: Awaited<ReturnType<typeof target.cleanup>>;
  try {
    await Promise.all([runChurn({ runId, scenario: 'kt', cellId: 'cell-01', rep: 1, settings }, target, new AbortController().signal), during?.(settings)]);
  } finally {
    cleanup = await target.cleanup();
  }
  const closed = await session.close();
  events.close();
  const all: RecordedEvent[] = parseEventLines(readFileSync(join(dir, 'events.jsonl'), 'utf8'));
  return { settings, events: all.filter(isPodEvent), cleanup, closed, all, dir };
}

const byKind = (events: PodEvent[], kind: string) => events.filter((e) => e.kind === kind);
const timelineKinds = ['create-sent', 'created', 'scheduled', 'delete-sent', 'delete-acked', 'gone'];

function api(kubeconfig: string): CoreV1Api {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return config.makeApiClient(CoreV1Api);
}

describe('kube target on a real kube-apiserver (no kubelet)', function () {
  this.timeout(240_000);
  const harnessOf = apiserverPerSuite();

  it('paces creates by the QPS token bucket and by batches, and records a complete timeline for every pod', async () => {
    const { events, cleanup, closed } = await churn(harnessOf(), 'kt-qps', { pods: 8, batchSize: 4, concurrency: 4, kube: { qps: 5, burst: 1 } });
    const sent = byKind(events, 'create-sent').map((e) => e.mono);
    expect(sent).to.have.length(8);
    // qps 5, burst 1: one create every 200 ms (a little scheduling slack allowed).
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!, `gap before create ${i}`).to.be.at.least(180);
    // The second batch starts only once the first batch's creates have been acknowledged.
    const createdFirstBatch = byKind(events, 'created')
      .filter((e) => e.replica < 4)
      .map((e) => e.mono);
    expect(
      Math.min(
        ...byKind(events, 'create-sent')
          .filter((e) => e.replica >= 4)
          .map((e) => e.mono),
      ),
    ).to.be.at.least(Math.max(...createdFirstBatch));
    for (let replica = 0; replica < 8; replica++) {
      const kinds = new Set(events.filter((e) => e.replica === replica).map((e) => e.kind));
      expect([...kinds].sort(), `pod ${replica}`).to.include.members(timelineKinds);
    }
    const records = buildPodRecords(events, primaryLatency('deletion'), () => ({ gracePeriodSeconds: 0, slackSeconds: 10, requestTimeoutSeconds: 30 }));
    expect(records.every((r) => r.deletionLatencyMs !== undefined && r.deletionLatencyMs >= 0 && r.outcome === 'ok')).to.equal(true);
    expect(cleanup).to.deep.equal({ forced: [], leftovers: [] });
    expect(closed.leftovers).to.deep.equal([]);
    expect(closed.namespaceRemoved).to.equal(true);
  });

  it('starts the deletes with a full burst even when the creates just drained the bucket (hold 0, waitFor created)', async () => {
    const { events } = await churn(harnessOf(), 'kt-burst', { pods: 4, batchSize: 4, concurrency: 4, kube: { qps: 2, burst: 4 } });
    const spread = (kind: string) => {
      const at = byKind(events, kind).map((e) => e.mono);
      expect(at).to.have.length(4);
      return Math.max(...at) - Math.min(...at);
    };
    // One bucket for both phases would space the deletes 1/qps = 500 ms apart (1.5 s from first to last).
    expect(spread('create-sent')).to.be.below(400);
    expect(spread('delete-sent')).to.be.below(400);
  });

  it('loses no deletion when kube-apiserver restarts mid-run: the watch resumes from its resourceVersion', async () => {
    let restarted = false;
    const { events, closed } = await churn(harnessOf(), 'kt-restart', { pods: 10, batchSize: 10, concurrency: 10, holdSeconds: 4 }, async () => {
      // Stop the API while the pods are held; deletes sent while it is down are retried until it is back.
      await sleep(2_000);
      await harnessOf().stopApiserver();
      await sleep(3_000);
      await harnessOf().startApiserver();
      restarted = true;
    });
    expect(restarted).to.equal(true);
    expect(byKind(events, 'gone')).to.have.length(10);
    expect(byKind(events, 'error')).to.deep.equal([]);
    expect(closed.watch.reconnects).to.be.at.least(1);
    expect(closed.leftovers).to.deep.equal([]);
  });

  it('a pod not gone by grace + request timeout is stuck, its evidence collected while stuck, then force-deleted by cleanup', async () => {
    // Grace 1 s and no kubelet: the API marks the pod terminating and waits for a kubelet that never comes.
    const { events, cleanup, closed, dir } = await churn(harnessOf(), 'kt-stuck', {
      pods: 2,
      batchSize: 2,
      gracePeriodSeconds: 1,
      requestTimeoutSeconds: 1,
      kube: { deleteGracePeriodSeconds: undefined },
    });
    expect(byKind(events, 'delete-acked')).to.have.length(2);
    expect(byKind(events, 'stop-failed').map((e) => e.data?.code)).to.deep.equal(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
    expect(cleanup.forced).to.have.length(2);
    expect(cleanup.leftovers).to.deep.equal([]);
    const records = buildPodRecords(
      events,
      primaryLatency('deletion'),
      () => ({ gracePeriodSeconds: 1, slackSeconds: 0, requestTimeoutSeconds: 1 }),
      new Set(cleanup.forced.map((f) => f.pod)),
    );
    expect(records.map((r) => r.outcome)).to.deep.equal(['stuck', 'stuck']);
    expect(closed.leftovers).to.deep.equal([]);
    // Evidence was taken before cleanup forced the pods away: the pod object still terminating, and its events.
    const evidence = byKind(events, 'evidence');
    expect(evidence).to.have.length(2);
    for (const event of evidence) {
      const pod = JSON.parse(readFileSync(join(String(event.data?.dir), 'pod.json'), 'utf8')) as { metadata: { name: string; deletionTimestamp?: string } };
      expect(pod.metadata.name).to.equal(event.pod);
      expect(pod.metadata.deletionTimestamp, 'captured while terminating').to.be.a('string');
      expect(JSON.parse(readFileSync(join(String(event.data?.dir), 'events.json'), 'utf8'))).to.be.an('array');
      expect(String(event.data?.dir).startsWith(join(dir, 'evidence'))).to.equal(true);
    }
  });

  it('SIGINT during a CLI run: exit 130, no namespace or pod with the run label left', async () => {
    const { file, reportsDir } = writeScenario('kube-sigint', {
      target: apiOnly(harnessOf().kubeconfig),
      pods: 12,
      batchSize: 6,
      concurrency: 6,
      holdSeconds: 60,
    });
    const { child, done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
    const client = api(harnessOf().kubeconfig);
    const deadline = Date.now() + 60_000;
    while ((await client.listPodForAllNamespaces({ labelSelector: RUN_LABEL })).items.length < 12 && Date.now() < deadline) await sleep(200);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code, result.stderr).to.equal(130);
    expect((await client.listPodForAllNamespaces({ labelSelector: RUN_LABEL })).items).to.deep.equal([]);
    expect((await client.listNamespace({ labelSelector: RUN_LABEL })).items.map((n) => n.metadata?.name)).to.deep.equal([]);
    const [runId] = readdirSync(reportsDir);
    const summary = JSON.parse(readFileSync(join(reportsDir, runId!, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.status).to.equal('interrupted');
    expect(summary.leakCheck.leaked).to.deep.equal([]);
    expect(summary.leakCheck.forced.length).to.equal(12);
  });
});

describe('kube target: a namespace whose default ServiceAccount nobody has made yet (a cluster just come up)', function () {
  this.timeout(240_000);
  // ServiceAccount admission on and no controller-manager: no namespace gets its default account on its own.
  const harnessOf = apiserverPerSuite({ serviceAccountAdmission: true });

  it('podchurn makes the account before the first create, so no pod is refused', async () => {
    const core = api(harnessOf().kubeconfig);
    // The situation: a fresh namespace refuses pods (403) while its default ServiceAccount is missing.
    await core.createNamespace({ body: { metadata: { name: 'sa-control' } } });
    let refused: unknown;
    await core
      .createNamespacedPod({
        namespace: 'sa-control',
        body: { metadata: { name: 'p' }, spec: { nodeName: 'no-such-node', containers: [{ name: 'c', image: 'x' }] } },
      })
      .catch((error: unknown) => (refused = error));
    expect(String((refused as { body?: unknown })?.body ?? refused)).to.match(/serviceaccount \\?"default\\?" not found/);

    const { events, closed } = await churn(harnessOf(), 'kt-sa', { pods: 6, batchSize: 3, concurrency: 3 });
    expect(byKind(events, 'created')).to.have.length(6);
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
    expect(closed.leftovers).to.deep.equal([]);
  });
});

describe('kube target: a cluster that cannot be used is an infrastructure failure (exit 3)', function () {
  this.timeout(60_000);

  it('a kubeconfig file that does not exist', async () => {
    const { file, reportsDir } = writeScenario('kube-nofile', { target: { type: 'kube', kube: { kubeconfig: '/nonexistent/kubeconfig' } } });
    const result = await runCli(['run', file, '--reports-dir', reportsDir]);
    expect(result.code, result.stderr).to.equal(3);
    expect(result.stderr)
      .to.match(/kubeconfig file does not exist/)
      .and.match(/\/nonexistent\/kubeconfig/);
    expect(result.stderr).not.to.match(/\n\s+at /);
  });

  it('a kubeconfig that is not one, and an API server that does not answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-badkube-'));
    const garbage = join(dir, 'garbage');
    writeFileSync(garbage, 'this: [is not a kubeconfig\n');
    const port = await freeLoopbackPort();
    const unreachable = join(dir, 'unreachable');
    writeFileSync(
      unreachable,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ` +
        `"https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: x, context: {cluster: c, ` +
        `user: u}}]\ncurrent-context: x\n`,
    );
    for (const [kubeconfig, message] of [
      [garbage, /cannot be used/],
      [unreachable, /does not answer/],
    ] as const) {
      const { file, reportsDir } = writeScenario('kube-bad', { target: { type: 'kube', kube: { kubeconfig } } });
      const result = await runCli(['run', file, '--reports-dir', reportsDir]);
      expect(result.code, result.stderr).to.equal(3);
      expect(result.stderr).to.match(message);
      expect(existsSync(reportsDir) ? readdirSync(reportsDir).length : 0).to.be.at.most(1);
    }
  });
});
