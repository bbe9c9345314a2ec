/**
 * The Kubernetes API path under load: `podchurn run` (the built CLI, as a child process) creates and
 * deletes pods on a real etcd + kube-apiserver (no kubelet: pods bound to a node that does not
 * exist, deleted with grace 0). Measures the create and delete rates podchurn achieved against the
 * configured qps, the CLI's peak RSS and CPU, and how memory and CPU grow from 1,000 to 10,000 pods.
 * Writes bench/results/kube-api-churn.{md,json}. Standalone: `npm run build` first, then
 * `node --import tsx bench/kube-api-churn.ts`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliSamplingPeakRss } from './cli-peak-rss.js';
import { ApiserverHarness, isPodEvent, parseEventLines, type PodEvent, type RunSummary, RuntimeStore } from '../src/index.js';

const KUBERNETES_KEY = 'kubernetes@1.34.4';
const ratePods = Number(process.env.BENCH_KUBE_PODS ?? 5000);
const rateQps = 100;
const scalePods = (process.env.BENCH_KUBE_SCALE_PODS ?? '1000,10000').split(',').map(Number);
const scaleQps = 300;
/**
 * A small burst: the bucket starts full, so the first `burst` requests go at once and the rest at
 * qps. Burst 10 over 5,000 requests moves the achieved rate by 0.2 %, while still absorbing a few ms
 * of event-loop jitter (with burst 1 any late token is lost for good and the rate falls short).
 */
const burst = 10;
const concurrency = 200;
const CLK_TCK = 100;

/** Requests per variant in the API client measurement. */
const clientRequests = Number(process.env.BENCH_KUBE_CLIENT_REQUESTS ?? 2000);

const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-kube-'));

interface ChurnRun {
  pods: number;
  qps: number;
  exitCode: number | null;
  wallS: number;
  peakRssMb: number;
  cpuS: number;
  cpuSPer1000Pods: number;
  createsPerS: number;
  deletesPerS: number;
  createSpanS: number;
  deleteSpanS: number;
  deletionP50Ms: number | null;
  deletionP99Ms: number | null;
  outcomes: Record<string, number>;
  leaked: number;
  loadAvgBefore: number[];
  loadAvgAfter: number[];
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** CPU seconds of this process's reaped children (cutime + cstime, /proc/self/stat fields 16-17). */
function childrenCpuS(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): cutime is field 16, cstime field 17.
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

/** Achieved rate of one kind of request: (n - 1) intervals over first -> last, per second. */
function rateOf(events: PodEvent[], kind: PodEvent['kind']): { perS: number; spanS: number } {
  const stamps = events.filter((e) => e.kind === kind).map((e) => e.mono);
  const spanMs = Math.max(...stamps) - Math.min(...stamps);
  return { perS: round(((stamps.length - 1) / spanMs) * 1000, 2), spanS: round(spanMs / 1000, 2) };
}

async function churn(kubeconfig: string, pods: number, qps: number): Promise<ChurnRun> {
  const name = `kube-api-${pods}`;
  const file = join(work, `${name}.yaml`);
  const reportsDir = join(work, `reports-${pods}-${qps}`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name },
      target: { type: 'kube', kube: { kubeconfig, nodeName: 'no-such-node', waitFor: 'created', deleteGracePeriodSeconds: 0, qps, burst } },
      pods,
      // One batch: the engine creates every pod, then deletes every pod, paced only by the token bucket.
      batchSize: pods,
      concurrency,
      holdSeconds: 0,
      gracePeriodSeconds: 0,
      requestTimeoutSeconds: 120,
    }),
  );
  const loadAvgBefore = loadavg().map((v) => round(v, 2));
  const cpuBefore = childrenCpuS();
  const { peakKb, exitCode, wallMs } = await runCliSamplingPeakRss(['run', file, '--reports-dir', reportsDir]);
  const wallS = round(wallMs / 1000);
  // Node has reaped the child by now: its whole CPU time is in this process's children counters.
  const cpuS = round(childrenCpuS() - cpuBefore, 2);
  const loadAvgAfter = loadavg().map((v) => round(v, 2));
  const [runId] = readdirSync(reportsDir);
  const runDir = join(reportsDir, runId!);
  const events = parseEventLines(readFileSync(join(runDir, 'events.jsonl'), 'utf8')).filter(isPodEvent);
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  const cell = summary.cells[0]!;
  const creates = rateOf(events, 'create-sent');
  const deletes = rateOf(events, 'delete-sent');
  const result: ChurnRun = {
    pods,
    qps,
    exitCode,
    wallS,
    peakRssMb: round(peakKb / 1024),
    cpuS,
    cpuSPer1000Pods: round((cpuS / pods) * 1000, 2),
    createsPerS: creates.perS,
    deletesPerS: deletes.perS,
    createSpanS: creates.spanS,
    deleteSpanS: deletes.spanS,
    deletionP50Ms: cell.deletionLatencyMs ? round(cell.deletionLatencyMs.p50) : null,
    deletionP99Ms: cell.deletionLatencyMs ? round(cell.deletionLatencyMs.p99) : null,
    outcomes: Object.fromEntries(Object.entries(cell.outcomes).filter(([, n]) => n > 0)),
    leaked: summary.leakCheck.leaked.length,
    loadAvgBefore,
    loadAvgAfter,
  };
  rmSync(reportsDir, { recursive: true, force: true });
  process.stderr.write(`kube-api-churn: ${pods} pods at qps ${qps}: ${JSON.stringify(result)}\n`);
  return result;
}

interface ClientCost {
  agent: 'per-request' | 'shared keep-alive';
  requests: number;
  rssStartMb: number;
  rssEndMb: number;
  rssGrowthMbPer1000: number;
  cpuMsPerRequest: number;
  wallS: number;
}

/**
 * What one API request costs the client, in a fresh Node process: @kubernetes/client-node as
 * it comes (2.x builds a new undici Agent, so a new connection pool, TLS context and connection, for
 * every request), against the same client with one shared keep-alive agent. Same calls (GET
 * namespace), concurrency 50.
 */
function clientCost(kubeconfig: string, shared: boolean): Promise<ClientCost> {
  const code = `
    import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
    import pLimit from 'p-limit';
    const kc = new KubeConfig();
    kc.loadFromFile(${JSON.stringify(kubeconfig)});
    if (${shared}) {
      const create = kc.createDispatcher.bind(kc);
      let agent;
      kc.createDispatcher = (cluster, options) => (agent ??= create(cluster, options));
    }
    const api = kc.makeApiClient(CoreV1Api);
    await api.readNamespace({ name: 'default' });
    const rssStart = process.memoryUsage().rss;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const limit = pLimit(50);
    await Promise.all(Array.from({ length: ${clientRequests} }, () => limit(() => api.readNamespace({ name: 'default' }))));
    const used = process.cpuUsage(cpu);
    process.stdout.write(JSON.stringify({ rssStart, rssEnd: process.memoryUsage().rss, cpuUs: used.user + used.system, wallMs: performance.now() - started }));
    process.exit(0);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (exitCode) => {
      if (exitCode !== 0) return reject(new Error(`client cost measurement exited ${exitCode}`));
      const m = JSON.parse(out) as { rssStart: number; rssEnd: number; cpuUs: number; wallMs: number };
      resolve({
        agent: shared ? 'shared keep-alive' : 'per-request',
        requests: clientRequests,
        rssStartMb: round(m.rssStart / 1048576),
        rssEndMb: round(m.rssEnd / 1048576),
        rssGrowthMbPer1000: round(((m.rssEnd - m.rssStart) / 1048576 / clientRequests) * 1000),
        cpuMsPerRequest: round(m.cpuUs / 1000 / clientRequests, 2),
        wallS: round(m.wallMs / 1000),
      });
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync('dist/podchurn.cjs')) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does it)');
  const entry = await new RuntimeStore().get(KUBERNETES_KEY);
  const kubeApiserver = entry?.binaries['kube-apiserver'];
  if (!kubeApiserver) throw new Error(`${KUBERNETES_KEY} is not in the runtime store: podchurn runtime build ${KUBERNETES_KEY}`);
  const harness = await ApiserverHarness.start({ kubeApiserver, baseDir: work });
  let rate: ChurnRun;
  const scale: ChurnRun[] = [];
  const client: ClientCost[] = [];
  try {
    rate = await churn(harness.kubeconfig, ratePods, rateQps);
    for (const pods of scalePods) scale.push(await churn(harness.kubeconfig, pods, scaleQps));
    for (const shared of [false, true]) client.push(await clientCost(harness.kubeconfig, shared));
  } finally {
    await harness.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const within = (achieved: number) => Math.abs(achieved / rateQps - 1) <= 0.05;
  const [small, large] = [scale[0]!, scale.at(-1)!];
  const marginalCpuPer1000 = round(((large.cpuS - small.cpuS) / (large.pods - small.pods)) * 1000, 2);
  const marginalRssPer1000 = round(((large.peakRssMb - small.peakRssMb) / (large.pods - small.pods)) * 1000, 2);
  const results = {
    date: new Date().toISOString(),
    host: `kube-apiserver ${KUBERNETES_KEY.split('@')[1]} + etcd on loopback, same machine (2 cores); no kubelet`,
    workload: `pods bound to a node that does not exist, waitFor created, deleted with grace 0; one batch, concurrency ${concurrency}, burst ${burst}, hold 0`,
    rate: { ...rate, createWithin5Percent: within(rate.createsPerS), deleteWithin5Percent: within(rate.deletesPerS), rssUnder200Mb: rate.peakRssMb < 200 },
    scale: { qps: scaleQps, runs: scale, marginalCpuSPer1000Pods: marginalCpuPer1000, marginalRssMbPer1000Pods: marginalRssPer1000 },
    client,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/kube-api-churn.json', `${JSON.stringify(results, null, 2)}\n`);
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const row = (r: ChurnRun) =>
    `| ${r.pods.toLocaleString('en-US')} | ${r.qps} ` +
    `| ${r.createsPerS} | ${r.deletesPerS} | ${r.peakRssMb} ` +
    `| ${r.cpuS} | ${r.cpuSPer1000Pods} | ${r.wallS} ` +
    `| ${r.deletionP50Ms ?? '-'} / ${r.deletionP99Ms ?? '-'} | ${r.leaked} | ${r.loadAvgBefore[0]} -> ${r.loadAvgAfter[0]} |`;
  writeFileSync(
    'bench/results/kube-api-churn.md',
    [
      '# Kubernetes API path: churn rate, memory and CPU of `podchurn run`',
      '',
      `Measured ${results.date} by \`npm run bench\`: ${results.host}.`,
      `Workload: ${results.workload}. \`podchurn run\` runs as a child process of the benchmark (built CLI).`,
      'Achieved rate = (n - 1) / (last - first) over the `create-sent` (or `delete-sent`) events of events.jsonl.',
      'Peak RSS = VmHWM of the podchurn process (sampled every 100 ms); CPU = its utime + stime (read from the',
      "benchmark's reaped-children counters, so nothing is missed at exit), including Node start-up, analysis and reports.",
      '',
      `The machine has 2 cores and other work ran at the same time; kube-apiserver and etcd share those cores with`,
      'podchurn. The 1-minute load average before -> after each run is in the last column.',
      '',
      `## ${ratePods.toLocaleString('en-US')} pods at a configured ${rateQps} creates/s and ${rateQps} deletes/s`,
      '',
      '| pods | qps | creates/s | deletes/s | peak RSS MB | CPU s | CPU s / 1,000 pods | wall s | deletion p50 / p99 ms | leaked | load avg |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      row(rate),
      '',
      `- Create rate ${rate.createsPerS}/s over ${rate.createSpanS} s vs ${rateQps} configured (target within 5 %: ${met(results.rate.createWithin5Percent)}).`,
      `- Delete rate ${rate.deletesPerS}/s over ${rate.deleteSpanS} s vs ${rateQps} configured (target within 5 %: ${met(results.rate.deleteWithin5Percent)}).`,
      `- Peak RSS ${rate.peakRssMb} MB (target < 200 MB: ${met(results.rate.rssUnder200Mb)}); CPU ${rate.cpuSPer1000Pods} s per 1,000 pods.`,
      `- Outcomes: ${Object.entries(rate.outcomes)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}; exit code ${rate.exitCode}.`,
      '',
      `## Scale: ${scale.map((r) => r.pods.toLocaleString('en-US')).join(' vs ')} pods at qps ${scaleQps}`,
      '',
      '| pods | qps | creates/s | deletes/s | peak RSS MB | CPU s | CPU s / 1,000 pods | wall s | deletion p50 / p99 ms | leaked | load avg |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...scale.map(row),
      '',
      `From ${small.pods.toLocaleString('en-US')} ` +
        `to ${large.pods.toLocaleString('en-US')} pods: each further 1,000 pods cost ${marginalCpuPer1000} CPU s and ${marginalRssPer1000} MB of peak RSS`,
      `(CPU per 1,000 pods ${small.cpuSPer1000Pods} s ` +
        `at ${small.pods.toLocaleString('en-US')} ` +
        `pods, ${large.cpuSPer1000Pods} s ` +
        `at ${large.pods.toLocaleString('en-US')}: the fixed start-up cost is spread thinner; the marginal cost is what grows ` +
        `with the run).`,
      '',
      '## Where the client cost goes: one API request',
      '',
      `${clientRequests.toLocaleString('en-US')} GET namespace requests, concurrency 50, in a fresh Node process each, with @kubernetes/client-node's default`,
      '(2.x: a new undici Agent, hence a new TLS context, handshake and connection, for every request) and with one shared keep-alive agent, which ' +
        'podchurn uses (src/cluster/kube-connection.ts; kube-apiserver and undici agree on HTTP/2, so its requests share one connection).',
      '',
      '| agent | RSS before -> after MB | RSS growth MB / 1,000 requests | CPU ms / request | wall s |',
      '|---|---|---|---|---|',
      ...client.map((c) => `| ${c.agent} | ${c.rssStartMb} -> ${c.rssEndMb} | ${c.rssGrowthMbPer1000} | ${c.cpuMsPerRequest} | ${c.wallS} |`),
      '',
      'Each pod costs two such requests (create, delete) besides its share of the watch.',
      '',
    ].join('\n'),
  );
  process.stdout.write(readFileSync('bench/results/kube-api-churn.md', 'utf8'));
}

await main();
