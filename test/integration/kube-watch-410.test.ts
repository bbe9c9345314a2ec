import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import type { ApiserverHarness } from '../../src/cluster/apiserver-harness.js';
import { RUN_LABEL } from '../../src/engine/churn.js';
import { isPodEvent, type PodEvent, type RecordedEvent, type RunEvent } from '../../src/engine/events.js';
import { parseEventLines } from '../../src/results/event-log.js';
import type { RunSummary } from '../../src/results/summary.js';
import { sleep } from '../../src/util/clock.js';
import { KUBERNETES_KEY, startApiserver } from '../helpers/apiserver.js';
import { provisionStoreKeys } from '../helpers/provision.js';
import { spawnCli } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';

/**
 * A TLS-terminating reverse proxy in front of the harness's kube-apiserver that can cut the watch
 * connections passing through it and turn new ones away (503), while every other request (creates,
 * deletes, lists) still goes through: a network path that drops long-lived connections.
 */
class WatchCuttingProxy {
  private blocked = false;
  private readonly watches = new Set<ServerResponse>();
  watchRequests = 0;
  refusedWatches = 0;

  private constructor(private readonly server: Server) {}

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  static async start(harness: ApiserverHarness): Promise<WatchCuttingProxy> {
    const [ca, cert, key, servingCert, servingKey] = [
      harness.pki.caCert,
      harness.pki.adminCert,
      harness.pki.adminKey,
      harness.pki.servingCert,
      harness.pki.servingKey,
    ].map((f) => readFileSync(f));
    let proxy!: WatchCuttingProxy;
    const server = createServer({ cert: servingCert, key: servingKey }, (req, res) => {
      const isWatch = new URL(req.url ?? '/', 'https://proxy').searchParams.get('watch') === 'true';
      if (isWatch) proxy.watchRequests++;
      if (isWatch && proxy.blocked) {
        proxy.refusedWatches++;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 503, reason: 'ServiceUnavailable' }));
        return;
      }
      const upstream = request({ host: '127.0.0.1', port: harness.port, method: req.method, path: req.url, headers: req.headers, ca, cert, key }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // A quiet watch sends no body for a long time: the client must get the headers now.
        res.flushHeaders();
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      if (isWatch) {
        proxy.watches.add(res);
        res.on('close', () => {
          proxy.watches.delete(res);
          upstream.destroy();
        });
      }
    });
    proxy = new WatchCuttingProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** Drops every watch in flight and refuses new ones until `unblock()`. */
  cutWatches(): number {
    this.blocked = true;
    const cut = this.watches.size;
    for (const res of this.watches) res.destroy();
    return cut;
  }

  unblock(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    for (const res of this.watches) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Compacts etcd's whole history up to its current revision (v3 JSON gateway of etcd 3.4). */
async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { header?: { revision?: string } };
  };
  const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number(range.header?.revision);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

function readEvents(reportsDir: string): RecordedEvent[] {
  if (!existsSync(reportsDir)) return [];
  const [runId] = readdirSync(reportsDir);
  const file = runId ? join(reportsDir, runId, 'events.jsonl') : '';
  return file && existsSync(file) ? parseEventLines(readFileSync(file, 'utf8')) : [];
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('kube target: watch history expired mid-run (410 Gone)', function () {
  this.timeout(300_000);
  let harness: ApiserverHarness;
  let proxy: WatchCuttingProxy;

  before(provisionStoreKeys(KUBERNETES_KEY));
  before(async () => {
    harness = await startApiserver();
    proxy = await WatchCuttingProxy.start(harness);
  });
  after(async () => {
    await proxy?.close();
    await harness?.stop();
  });

  /** One batch of API-only pods through the proxy (the harness's kubeconfig with its server replaced). */
  function proxiedScenario(name: string, pods: number, holdSeconds: number) {
    const kubeconfig = parse(readFileSync(harness.kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    kubeconfig.clusters[0]!.cluster.server = proxy.url;
    const proxied = join(mkdtempSync(join(tmpdir(), 'podchurn-410-')), 'kubeconfig');
    writeFileSync(proxied, stringify(kubeconfig), { mode: 0o600 });
    return writeScenario(name, {
      target: { type: 'kube', kube: { kubeconfig: proxied, nodeName: 'no-such-node', waitFor: 'created', deleteGracePeriodSeconds: 0, qps: 50, burst: 50 } },
      pods,
      batchSize: pods,
      concurrency: pods,
      holdSeconds,
      gracePeriodSeconds: 0,
      requestTimeoutSeconds: 120,
    });
  }

  /** A client that bypasses the proxy. */
  function directApi(): CoreV1Api {
    const direct = new KubeConfig();
    direct.loadFromFile(harness.kubeconfig);
    return direct.makeApiClient(CoreV1Api);
  }

  it('relists after a 410, infers every deletion made while the watch was away, and leaves nothing behind', async () => {
    const pods = 20;
    // A hold long enough that the watch is cut before it ends, even on a loaded machine.
    const { file, reportsDir } = proxiedScenario('kube-410', pods, 15);

    const api = directApi();
    const { done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
    try {
      // 1. The watch has seen every pod (their `scheduled` phase comes from it): cut it off.
      await until('the watch to see every pod', 60_000, () =>
        readEvents(reportsDir).filter((e) => isPodEvent(e) && e.kind === 'scheduled').length === pods ? true : undefined,
      );
      expect(proxy.cutWatches(), 'watches cut').to.be.at.least(1);
      // 2. The hold ends and podchurn deletes every pod while its watch is turned away.
      await until('every pod to be deleted', 60_000, async () =>
        (await api.listPodForAllNamespaces({ labelSelector: RUN_LABEL })).items.length === 0 ? true : undefined,
      );
      expect(
        readEvents(reportsDir).filter((e) => isPodEvent(e) && e.kind === 'gone'),
        'gone seen while the watch was cut',
      ).to.deep.equal([]);
      // 3. The history those deletions are in expires: compact etcd, and restart kube-apiserver so
      //    its watch cache (which would otherwise still serve the old resourceVersion) starts afresh.
      await compactEtcd(harness.etcdUrl);
      await harness.restartApiserver();
      proxy.unblock();
    } finally {
      proxy.unblock();
    }
    const result = await done;
    expect(result.code, result.stderr).to.equal(0);
    expect(proxy.refusedWatches, 'watch reconnects turned away').to.be.at.least(1);

    const events = readEvents(reportsDir);
    const gaps = events.filter((e): e is RunEvent => !isPodEvent(e) && e.kind === 'watch-gap');
    expect(gaps, 'one watch gap').to.have.length(1);
    const gap = gaps[0]!.data as { from: { mono: number }; to: { mono: number }; reason: string; inferredDeletions: number };
    expect(gap.reason).to.match(/410|expired/i);
    expect(gap.inferredDeletions).to.equal(pods);
    const podEvents = events.filter(isPodEvent);
    const of = (kind: PodEvent['kind']) => podEvents.filter((e) => e.kind === kind);
    // The gap starts where the watch was last current, before any delete was sent, and ends at the relist.
    expect(gap.from.mono).to.be.below(Math.min(...of('delete-sent').map((e) => e.mono)));
    expect(gap.to.mono).to.be.above(Math.max(...of('delete-sent').map((e) => e.mono)));
    // Every pod's deletion is recorded once, inferred from the relist and marked synthetic.
    expect(of('delete-sent')).to.have.length(pods);
    const gone = of('gone');
    expect(new Set(gone.map((e) => e.pod)).size).to.equal(pods);
    expect(gone).to.have.length(pods);
    expect(gone.every((e) => e.data?.synthetic === true && e.mono === gap.to.mono)).to.equal(true);
    expect(of('stop-failed'), 'no pod was taken for stuck').to.deep.equal([]);
    expect(of('error')).to.deep.equal([]);

    const [runId] = readdirSync(reportsDir);
    const summary = JSON.parse(readFileSync(join(reportsDir, runId!, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.leakCheck.leaked).to.deep.equal([]);
    expect(summary.leakCheck.forced).to.deep.equal([]);
    expect((await api.listNamespace({ labelSelector: RUN_LABEL })).items).to.deep.equal([]);
  });

  it('a pod created and deleted wholly while the watch was away is gone (inferred), not stuck', async () => {
    const pods = 10;
    const { file, reportsDir } = proxiedScenario('kube-410-unseen', pods, 0);
    const api = directApi();
    // The run's first list goes through; its watch never connects, so it sees none of the pods.
    proxy.cutWatches();
    const { done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
    try {
      await until('every pod to be created and deleted', 60_000, async () =>
        readEvents(reportsDir).filter((e) => isPodEvent(e) && e.kind === 'delete-sent').length === pods &&
        (await api.listPodForAllNamespaces({ labelSelector: RUN_LABEL })).items.length === 0
          ? true
          : undefined,
      );
      await compactEtcd(harness.etcdUrl);
      await harness.restartApiserver();
    } finally {
      proxy.unblock();
    }
    const result = await done;
    expect(result.code, result.stderr).to.equal(0);
    const events = readEvents(reportsDir);
    const gaps = events.filter((e): e is RunEvent => !isPodEvent(e) && e.kind === 'watch-gap');
    expect(gaps.map((g) => (g.data as { inferredDeletions: number }).inferredDeletions)).to.deep.equal([pods]);
    const podEvents = events.filter(isPodEvent);
    const gone = podEvents.filter((e) => e.kind === 'gone');
    expect(new Set(gone.map((e) => e.pod)).size).to.equal(pods);
    expect(gone.every((e) => e.data?.synthetic === true)).to.equal(true);
    expect(
      podEvents.filter((e) => e.kind === 'stop-failed'),
      'no pod was taken for stuck',
    ).to.deep.equal([]);
    const [runId] = readdirSync(reportsDir);
    const summary = JSON.parse(readFileSync(join(reportsDir, runId!, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.leakCheck.leaked).to.deep.equal([]);
  });
});
