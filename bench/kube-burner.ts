/**
 * Head-to-head at the API level: kube-burner (built from the Go module proxy) vs `podchurn run`,
 * the same create/delete job against the same control plane, rounds alternated. Per round: wall
 * time of the whole job, achieved create and delete rates (both taken the same way, from a watch in
 * this process), client CPU and peak RSS of the tool's process. Both tools watch and record every
 * pod: podchurn always does, kube-burner runs its podLatency measurement. After the measured rounds,
 * one more podchurn run (not counted) is taken under `node --cpu-prof` to say where its CPU goes.
 * Writes bench/results/kube-burner.{md,json}. Standalone: `npm run build` first, then
 * `node --import tsx bench/kube-burner.ts` (BENCH_RENDER_ONLY=1 re-renders the Markdown from the JSON;
 * BENCH_KB_PEER=0 runs podchurn's rounds alone, for trying a change: with BENCH_KB_LABEL=<what changed> they are
 * added to bench/results/kube-burner-levers.{json,md}).
 *
 * The control plane is the local cluster's (Kubernetes 1.34.4 from the runtime store: etcd,
 * kube-apiserver, kube-controller-manager) without scheduler and kubelet, and the controller
 * manager runs only the namespace controller: see `clusterChoice` for why.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { runCliSamplingPeakRss, runSamplingPeakRss, type SampledRun } from './cli-peak-rss.js';
import { summariseCpuProfile, type CpuProfileSummary } from './cpu-profile-summary.js';
import {
  ApiserverHarness,
  buildPodManifest,
  cacheDir,
  CellSettingsSchema,
  controllerManagerArgs,
  downloadModule,
  goEnvironment,
  goVersion,
  kubeTargetSettings,
  ManagedProcess,
  prepareWrapperModule,
  runGo,
  type RunSummary,
  RuntimeStore,
  sleep,
  WORKLOAD_IMAGE,
} from '../src/index.js';

const KUBERNETES_KEY = 'kubernetes@1.34.4';
const kubeBurnerModule = 'github.com/kube-burner/kube-burner/v2';
const kubeBurnerVersion = process.env.BENCH_KUBE_BURNER ?? '2.7.3';
const pods = Number(process.env.BENCH_KB_PODS ?? 2000);
const rounds = Number(process.env.BENCH_KB_ROUNDS ?? 3);
const qps = 50;
const burst = 50;
/** podchurn's in-flight limit; kube-burner has none of its own (a goroutine per object), so the rate limit is what paces both. */
const podchurnConcurrency = 200;
const missingNode = 'no-such-node';
const CLK_TCK = 100;

const clusterChoice = [
  "Both tools drive the API of the local cluster's control plane (Kubernetes 1.34.4 from the runtime store) with pods bound to a node that does not " +
    'exist, so no kubelet ever runs them; the same way bench/kube-api-churn.ts measures podchurn alone. Why not the full local cluster:',
  '(1) its one node runs at most 250 pods (kubelet maxPods), so 2,000 real pods cannot run, and a job where 250 pods start containers and 1,750 wait ' +
    'would measure the node, not the clients;',
  "(2) with pods bound to a missing node, the full cluster's pod garbage collector deletes them about 40 s after they appear, in the middle of the job;",
  '(3) scheduler, kubelet and containerd would share the 2 cores with the tools under test.',
  'So the control plane is etcd + kube-apiserver + kube-controller-manager running only its namespace controller, which both tools need: each job ends ' +
    'by deleting its namespace and waiting for it to go.',
].join(' ');

const round1 = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

type Tool = 'podchurn' | 'kube-burner';

interface RoundResult {
  tool: Tool;
  round: number;
  exitCode: number | null;
  /** Process start -> exit: start-up, namespace, creates, deletes, namespace removal, the tool's own output. */
  wallS: number;
  /** First pod ADDED -> last pod DELETED, as this process's watch saw them. */
  podSpanS: number;
  /** Spawn -> first pod ADDED: process start-up, connection, namespace. */
  startToFirstPodS: number;
  /** Last pod DELETED -> exit: waiting for the namespace to go, the tool's own output. */
  lastPodToExitS: number;
  podsAdded: number;
  podsDeleted: number;
  createsPerS: number;
  deletesPerS: number;
  createSpanS: number;
  deleteSpanS: number;
  cpuS: number;
  peakRssMb: number;
  load1Before: number;
  /** podchurn's own per-pod deletion latency (gone - delete sent); kube-burner measures none. */
  deletionP50Ms: number | null;
  deletionP99Ms: number | null;
  /** What the tool wrote of its measurements: podchurn its run directory, kube-burner its local indexer's directory. */
  recorded: { files: number; kb: number };
  leftovers: string[];
}

interface KubeBurnerBuild {
  binary: string;
  toolchain: string;
  revision: string;
  buildSeconds: number;
  replaces: string[];
}

/**
 * A dependency's `replace` directives do not apply to a module that requires it, so the wrapper
 * module repeats kube-burner's own (it pins k8s.io/* to one release; without them `go mod tidy`
 * picks newer k8s.io modules that kube-burner was not built against).
 */
function replaceDirectives(goMod: string): string[] {
  const block = /^replace\s*\(\n([\s\S]*?)\n\)/m.exec(goMod)?.[1] ?? '';
  const single = [...goMod.matchAll(/^replace\s+([^(\s].*)$/gm)].map((m) => m[1]!.trim());
  return [
    ...block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('//')),
    ...single,
  ];
}

/**
 * Builds kube-burner at `version` from the Go module proxy (cached under the podchurn cache:
 * wrapper module in build/kube-burner@VERSION, binary in bench/kube-burner@VERSION). The proxy
 * refuses to list this module's versions but serves exact ones, so the version is pinned here.
 */
export async function buildKubeBurner(version: string): Promise<KubeBurnerBuild> {
  const root = cacheDir();
  const binDir = join(root, 'bench', `kube-burner@${version}`);
  const binary = join(binDir, 'kube-burner');
  const env = await goEnvironment(root);
  const started = performance.now();
  const downloaded = await downloadModule(kubeBurnerModule, version, env);
  if (!downloaded.GoMod) throw new Error(`go mod download did not report a go.mod for ${kubeBurnerModule}@v${version}`);
  const replaces = replaceDirectives(readFileSync(downloaded.GoMod, 'utf8'));
  if (!existsSync(binary)) {
    const command = `${kubeBurnerModule}/cmd/kube-burner`;
    const workDir = await prepareWrapperModule(
      root,
      { name: 'kube-burner', goLine: 'go 1.25.0', module: kubeBurnerModule, version, replaces, imports: [command] },
      env,
    );
    mkdirSync(binDir, { recursive: true });
    const ldflags = `-s -w -X github.com/cloud-bulldozer/go-commons/v2/version.Version=v${version}`;
    await runGo(['build', '-trimpath', '-ldflags', ldflags, '-o', binary, command], workDir, { ...env, CGO_ENABLED: '0' });
  }
  return {
    binary,
    toolchain: await goVersion(env),
    revision: downloaded.Origin?.Hash ?? `v${version}`,
    buildSeconds: round1((performance.now() - started) / 1000),
    replaces,
  };
}

interface ControlPlane {
  kubeconfig: string;
  stop(): Promise<void>;
}

/** etcd + kube-apiserver (the harness) plus kube-controller-manager with only the namespace controller. */
async function startControlPlane(work: string): Promise<ControlPlane> {
  const entry = await new RuntimeStore().get(KUBERNETES_KEY);
  const kubeApiserver = entry?.binaries['kube-apiserver'];
  const kubeControllerManager = entry?.binaries['kube-controller-manager'];
  if (!kubeApiserver || !kubeControllerManager) throw new Error(`${KUBERNETES_KEY} is not in the runtime store: podchurn runtime build ${KUBERNETES_KEY}`);
  const harness = await ApiserverHarness.start({ kubeApiserver, baseDir: work, logDir: work });
  const controllerManager = new ManagedProcess(
    'kube-controller-manager',
    kubeControllerManager,
    [...controllerManagerArgs(harness.kubeconfig, harness.pki), '--controllers=namespace'],
    join(work, 'kube-controller-manager.log'),
  );
  return {
    kubeconfig: harness.kubeconfig,
    async stop() {
      await controllerManager.stop();
      await harness.stop();
    },
  };
}

/** CPU seconds of this process's reaped children (cutime + cstime, /proc/self/stat fields 16-17). */
function childrenCpuS(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

/**
 * The one clock both tools are measured by: a watch on every pod of the cluster, opened before the
 * tool starts, stamping ADDED and DELETED on this process's monotonic clock. Only the tool under
 * test creates pods, and this process does nothing else meanwhile, so the stamps are not delayed
 * by other work of ours.
 */
class PodWatch {
  readonly added = new Map<string, number>();
  readonly deleted = new Map<string, number>();
  private controller?: AbortController;

  constructor(private readonly kubeconfig: KubeConfig) {}

  /**
   * Watches from the resourceVersion of a fresh list: a watch without one is served from the API
   * server's watch cache, which on an idle pod resource lags etcd and answers 504 "Too large
   * resource version".
   */
  async start(): Promise<void> {
    const list = await this.kubeconfig.makeApiClient(CoreV1Api).listPodForAllNamespaces({ limit: 1 });
    this.controller = await new Watch(this.kubeconfig).watch(
      '/api/v1/pods',
      { resourceVersion: list.metadata?.resourceVersion, timeoutSeconds: 1800 },
      (phase: string, object: V1Pod & { message?: string }) => {
        if (phase === 'ERROR') process.stderr.write(`kube-burner bench: pod watch error: ${object.message ?? JSON.stringify(object)}\n`);
        const key = `${object.metadata?.namespace}/${object.metadata?.name}`;
        if (phase === 'ADDED' && !this.added.has(key)) this.added.set(key, performance.now());
        if (phase === 'DELETED' && !this.deleted.has(key)) this.deleted.set(key, performance.now());
      },
      (error: unknown) => {
        if (!this.controller?.signal.aborted) process.stderr.write(`kube-burner bench: pod watch ended early${error ? `: ${String(error)}` : ''}\n`);
      },
    );
  }

  /** The DELETED events of the last pods may arrive just after the tool exits. */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.deleted.size < this.added.size && performance.now() < deadline) await sleep(100);
  }

  stop(): void {
    this.controller?.abort();
  }
}

/** Achieved rate: (n - 1) intervals over first -> last stamp, per second. */
function rateOf(stamps: number[]): { perS: number; spanS: number } {
  if (stamps.length < 2) return { perS: 0, spanS: 0 };
  const spanMs = Math.max(...stamps) - Math.min(...stamps);
  return { perS: round1(((stamps.length - 1) / spanMs) * 1000, 2), spanS: round1(spanMs / 1000, 2) };
}

/** The pod both tools create: podchurn's own manifest, bound to the missing node, grace 0 so a delete removes it at once. */
function podSettings() {
  return CellSettingsSchema.parse({ target: { type: 'kube', kube: { nodeName: missingNode, waitFor: 'created', qps, burst } }, gracePeriodSeconds: 0 });
}

function writePodchurnScenario(dir: string, kubeconfig: string, round: number): string {
  const file = join(dir, `podchurn-${round}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name: `vs-kube-burner-${round}` },
      // No deleteGracePeriodSeconds: like kube-burner's delete, the request carries none and the pod's grace (0) applies.
      target: { type: 'kube', kube: { kubeconfig, nodeName: missingNode, waitFor: 'created', qps, burst } },
      pods,
      // One batch: every pod created, then every pod deleted, as kube-burner's create job then delete job.
      batchSize: pods,
      // podchurn refuses a concurrency above batchSize (it would have no effect): small runs (BENCH_KB_PODS) need this.
      concurrency: Math.min(podchurnConcurrency, pods),
      holdSeconds: 0,
      gracePeriodSeconds: 0,
      requestTimeoutSeconds: 120,
    }),
  );
  return file;
}

/**
 * kube-burner's config: a create job (N iterations of one pod, all in one namespace per round, no
 * waiting for readiness, since these pods never run) and a delete job that removes the round's pods,
 * then its namespace, waiting for both to go (its default). Like podchurn, it watches and records
 * every pod: its podLatency measurement (a pod informer plus an informer on pod events), kept open
 * across both jobs (metricsAggregate on the create job, as podchurn's one watch spans the run), its
 * documents written by the local indexer (podchurn writes events.jsonl and its reports). Everything
 * else it would add is off: image preloading (a DaemonSet), object verification, cleanup of earlier
 * runs, GC, Prometheus metrics.
 */
function writeKubeBurnerConfig(dir: string, round: number, uuid: string): string {
  const settings = podSettings();
  const template = buildPodManifest(
    { pod: 'kb-{{.Iteration}}', cell: '', rep: 0, cycle: 0, replica: 0, uid: '', labels: {} },
    settings,
    kubeTargetSettings(settings.target),
    WORKLOAD_IMAGE,
  );
  delete template.metadata!.labels;
  writeFileSync(join(dir, 'pod.yaml'), stringify(template));
  const selector = { 'kube-burner.io/uuid': uuid };
  const config = {
    global: { gc: false, measurements: [{ name: 'podLatency' }] },
    metricsEndpoints: [{ indexer: { type: 'local', metricsDirectory: join(dir, 'kube-burner-metrics') } }],
    jobs: [
      {
        name: 'create-pods',
        jobType: 'create',
        jobIterations: pods,
        namespace: `kube-burner-${round}`,
        namespacedIterations: false,
        qps,
        burst,
        podWait: false,
        waitWhenFinished: false,
        preLoadImages: false,
        verifyObjects: false,
        errorOnVerify: false,
        cleanup: false,
        metricsAggregate: true,
        objects: [{ objectTemplate: 'pod.yaml', replicas: 1 }],
      },
      {
        name: 'delete-pods',
        jobType: 'delete',
        qps,
        burst,
        waitForDeletion: true,
        preLoadImages: false,
        objects: [
          { kind: 'Pod', labelSelector: selector },
          { kind: 'Namespace', labelSelector: selector },
        ],
      },
    ],
  };
  const file = join(dir, `kube-burner-${round}.yml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** Anything a round left behind: pods anywhere, namespaces other than the built-in ones. */
async function leftovers(api: CoreV1Api): Promise<string[]> {
  const builtIn = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
  const [podList, namespaces] = await Promise.all([api.listPodForAllNamespaces(), api.listNamespace()]);
  return [
    ...podList.items.map((p) => `pod/${p.metadata?.name} in ${p.metadata?.namespace}`),
    ...namespaces.items.filter((n) => !builtIn.has(n.metadata?.name ?? '')).map((n) => `namespace/${n.metadata?.name} (${n.status?.phase})`),
  ];
}

/** Files and size under a directory (none when it does not exist). */
function recordedIn(dir: string): { files: number; kb: number } {
  if (!existsSync(dir)) return { files: 0, kb: 0 };
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  const bytes = files.reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
  return { files: files.length, kb: round1(bytes / 1024) };
}

/** podchurn's own deletion latency percentiles from the run's summary.json. */
function podchurnDeletionLatency(reportsDir: string): { p50: number | null; p99: number | null } {
  const [runId] = readdirSync(reportsDir);
  const summary = JSON.parse(readFileSync(join(reportsDir, runId!, 'summary.json'), 'utf8')) as RunSummary;
  const latency = summary.cells[0]?.deletionLatencyMs;
  return { p50: latency ? round1(latency.p50) : null, p99: latency ? round1(latency.p99) : null };
}

/**
 * The profiled run starts the compiled but unbundled CLI (dist/cli/main.js) so that each function's
 * module is known, with the flag bin/podchurn.js sets for `run`; the work per pod and per event is
 * the same code as the bundle's.
 */
function runPodchurn(scenario: string, reportsDir: string, profileDir: string | undefined): Promise<SampledRun> {
  if (!profileDir) return runCliSamplingPeakRss(['run', scenario, '--reports-dir', reportsDir]);
  return runSamplingPeakRss(process.execPath, [
    '--optimize-for-size',
    '--cpu-prof',
    '--cpu-prof-dir',
    profileDir,
    'dist/cli/main.js',
    'run',
    scenario,
    '--reports-dir',
    reportsDir,
  ]);
}

async function runRound(tool: Tool, round: number, work: string, kubeconfig: string, kubeBurner: string, profileDir?: string): Promise<RoundResult> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(CoreV1Api);
  const dir = join(work, `${tool}-${round}`);
  mkdirSync(dir, { recursive: true });
  const reportsDir = join(dir, 'reports');
  const uuid = `bench-${round}-${process.pid}`;
  const watch = new PodWatch(kc);
  await watch.start();
  const load1Before = round1(loadavg()[0]!, 2);
  const cpuBefore = childrenCpuS();
  let run: SampledRun;
  const spawnedAt = performance.now();
  if (tool === 'podchurn') {
    run = await runPodchurn(writePodchurnScenario(dir, kubeconfig, round), reportsDir, profileDir);
  } else {
    const config = writeKubeBurnerConfig(dir, round, uuid);
    run = await runSamplingPeakRss(kubeBurner, ['init', '-c', config, '--uuid', uuid, '--kubeconfig', kubeconfig, '--skip-log-file'], {
      cwd: dir,
      logFile: join(dir, 'kube-burner.log'),
    });
  }
  // The child is reaped by now: its CPU time (and that of anything it reaped) is in our children counters.
  const cpuS = round1(childrenCpuS() - cpuBefore, 2);
  await watch.drain();
  watch.stop();
  const creates = rateOf([...watch.added.values()]);
  const deletes = rateOf([...watch.deleted.values()]);
  const stamps = [...watch.added.values(), ...watch.deleted.values()];
  const firstPodAt = stamps.length ? Math.min(...stamps) : spawnedAt;
  const lastPodAt = stamps.length ? Math.max(...stamps) : spawnedAt;
  const latency = tool === 'podchurn' && existsSync(reportsDir) ? podchurnDeletionLatency(reportsDir) : { p50: null, p99: null };
  const result: RoundResult = {
    tool,
    round,
    exitCode: run.exitCode,
    wallS: round1(run.wallMs / 1000, 2),
    podSpanS: round1((lastPodAt - firstPodAt) / 1000, 2),
    startToFirstPodS: round1((firstPodAt - spawnedAt) / 1000, 2),
    lastPodToExitS: round1((spawnedAt + run.wallMs - lastPodAt) / 1000, 2),
    podsAdded: watch.added.size,
    podsDeleted: watch.deleted.size,
    createsPerS: creates.perS,
    deletesPerS: deletes.perS,
    createSpanS: creates.spanS,
    deleteSpanS: deletes.spanS,
    cpuS,
    peakRssMb: round1(run.peakKb / 1024),
    load1Before,
    deletionP50Ms: latency.p50,
    deletionP99Ms: latency.p99,
    recorded: recordedIn(tool === 'podchurn' ? reportsDir : join(dir, 'kube-burner-metrics')),
    leftovers: await leftovers(api),
  };
  if (run.exitCode !== 0 && tool === 'kube-burner') process.stderr.write(readFileSync(join(dir, 'kube-burner.log'), 'utf8').slice(-3000));
  else rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`kube-burner bench: round ${round} ${tool}: ${JSON.stringify(result)}\n`);
  return result;
}

interface ToolSummary {
  wallS: number;
  podSpanS: number;
  startToFirstPodS: number;
  lastPodToExitS: number;
  createsPerS: number;
  deletesPerS: number;
  cpuS: number;
  peakRssMb: number;
}

interface BenchResults {
  date: string;
  cores: number;
  controlPlane: string;
  clusterChoice: string;
  job: string;
  peer: { tool: string; module: string; revision: string; toolchain: string; build: string; config: string };
  podchurn: { version: string; args: string };
  pods: number;
  qps: number;
  burst: number;
  rounds: number;
  runs: RoundResult[];
  /** Lowest and highest of each tool's rounds (the machine is shared: the spread is part of the figure). */
  spread: Record<Tool, { wallS: [number, number]; cpuS: [number, number]; peakRssMb: [number, number] }>;
  /** One more podchurn run under `node --cpu-prof`, not counted above. */
  profile: { run: RoundResult; summary: CpuProfileSummary } | null;
  medians: Record<Tool, ToolSummary>;
  /** podchurn / kube-burner of each median (wall, span, CPU, RSS: lower is better; rates: higher is better). */
  ratio: ToolSummary;
  podchurnDeletionLatencyMs: { p50: number | null; p99: number | null };
  loadAverage: { first: number; last: number; max: number };
}

function summarise(runs: RoundResult[]): ToolSummary {
  const of = (pick: (r: RoundResult) => number) => round1(median(runs.map(pick)), 2);
  return {
    wallS: of((r) => r.wallS),
    podSpanS: of((r) => r.podSpanS),
    startToFirstPodS: of((r) => r.startToFirstPodS),
    lastPodToExitS: of((r) => r.lastPodToExitS),
    createsPerS: of((r) => r.createsPerS),
    deletesPerS: of((r) => r.deletesPerS),
    cpuS: of((r) => r.cpuS),
    peakRssMb: of((r) => r.peakRssMb),
  };
}

function spreadOf(runs: RoundResult[]): BenchResults['spread'][Tool] {
  const range = (pick: (r: RoundResult) => number): [number, number] => [Math.min(...runs.map(pick)), Math.max(...runs.map(pick))];
  return { wallS: range((r) => r.wallS), cpuS: range((r) => r.cpuS), peakRssMb: range((r) => r.peakRssMb) };
}

function ratioOf(a: ToolSummary, b: ToolSummary): ToolSummary {
  const r = (x: number, y: number) => round1(x / y, 3);
  return {
    wallS: r(a.wallS, b.wallS),
    podSpanS: r(a.podSpanS, b.podSpanS),
    startToFirstPodS: r(a.startToFirstPodS, b.startToFirstPodS),
    lastPodToExitS: r(a.lastPodToExitS, b.lastPodToExitS),
    createsPerS: r(a.createsPerS, b.createsPerS),
    deletesPerS: r(a.deletesPerS, b.deletesPerS),
    cpuS: r(a.cpuS, b.cpuS),
    peakRssMb: r(a.peakRssMb, b.peakRssMb),
  };
}

/** podchurn's side once more under the profiler (round number rounds + 1, not counted in the medians). */
async function profiledRun(work: string, kubeconfig: string): Promise<BenchResults['profile']> {
  const profileDir = join(work, 'cpu-profile');
  const run = await runRound('podchurn', rounds + 1, work, kubeconfig, '', profileDir);
  const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  return file ? { run, summary: summariseCpuProfile(join(profileDir, file)) } : null;
}

/** BENCH_KB_ROUNDS=0: only podchurn's profiled run, no peer; the .cpuprofile is kept for a closer look. */
async function profileOnly(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-kb-'));
  const controlPlane = await startControlPlane(work);
  try {
    process.stdout.write(`${JSON.stringify(await profiledRun(work, controlPlane.kubeconfig), null, 2)}\n`);
  } finally {
    await controlPlane.stop();
    process.stderr.write(`kube-burner bench: profile kept in ${work}/cpu-profile\n`);
  }
}

interface LeverRun {
  label: string;
  date: string;
  rounds: Pick<RoundResult, 'round' | 'cpuS' | 'peakRssMb' | 'wallS' | 'load1Before'>[];
  median: ToolSummary;
}

const leversFile = 'bench/results/kube-burner-levers';

/**
 * BENCH_KB_PEER=0: podchurn's rounds alone, for trying one change at a time (a lever). With BENCH_KB_LABEL
 * the rounds are added, under that label, to bench/results/kube-burner-levers.{json,md}; without, only printed.
 */
async function podchurnOnly(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-kb-'));
  const controlPlane = await startControlPlane(work);
  const runs: RoundResult[] = [];
  try {
    for (let round = 1; round <= rounds; round++) runs.push(await runRound('podchurn', round, work, controlPlane.kubeconfig, ''));
  } finally {
    await controlPlane.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const lever: LeverRun = {
    label: process.env.BENCH_KB_LABEL ?? 'unlabelled',
    date: new Date().toISOString(),
    rounds: runs.map(({ round, cpuS, peakRssMb, wallS, load1Before }) => ({ round, cpuS, peakRssMb, wallS, load1Before })),
    median: summarise(runs),
  };
  process.stdout.write(`${JSON.stringify(lever, null, 2)}\n`);
  if (!process.env.BENCH_KB_LABEL) return;
  const levers: LeverRun[] = existsSync(`${leversFile}.json`) ? (JSON.parse(readFileSync(`${leversFile}.json`, 'utf8')) as LeverRun[]) : [];
  levers.push(lever);
  writeFileSync(`${leversFile}.json`, `${JSON.stringify(levers, null, 2)}\n`);
  renderLevers(levers);
}

/** bench/results/kube-burner-levers.md from its JSON. */
function renderLevers(levers: LeverRun[]): void {
  const range = (pick: (r: LeverRun['rounds'][number]) => number, runs: LeverRun['rounds']) =>
    runs.length > 1 ? ` (${Math.min(...runs.map(pick))}-${Math.max(...runs.map(pick))})` : '';
  writeFileSync(
    `${leversFile}.md`,
    [
      '# podchurn alone on the kube-burner job: one lever at a time',
      '',
      `Written by \`BENCH_KB_PEER=0 BENCH_KB_LABEL=<lever> node --import tsx bench/kube-burner.ts\` (after \`npm run build\`): the job of ` +
        `[kube-burner.md](kube-burner.md) (${pods.toLocaleString('en-US')} pods, qps ${qps} / burst ${burst}, same control plane), podchurn's side ` +
        'only, no peer; each row one state of the tree, in the order measured. The machine is shared (2 cores): the load column says how busy it was; ' +
        "CPU s is the process's own utime + stime, peak RSS its VmHWM, as in kube-burner.md. Medians of the rounds, range in brackets. Node's compile " +
        'cache is keyed by the bundle and the V8 flags: a row that changed either starts its first round with a cold cache (the bundle compiled once ' +
        'more), which a row whose bundle and flags an earlier run had cached (the last) does not.',
      '',
      '| lever (state of the tree) | date | rounds | CPU s | peak RSS MB | wall s | load before |',
      '|---|---|---|---|---|---|---|',
      ...levers.map(
        (l) =>
          `| ${l.label} | ${l.date.slice(0, 16).replace('T', ' ')} | ${l.rounds.length} | ${l.median.cpuS}${range((r) => r.cpuS, l.rounds)} | ` +
          `${l.median.peakRssMb}${range((r) => r.peakRssMb, l.rounds)} | ${l.median.wallS} | ${l.rounds.map((r) => r.load1Before).join(', ')} |`,
      ),
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  if (!existsSync('dist/podchurn.cjs')) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does it)');
  if (rounds === 0) return profileOnly();
  if (process.env.BENCH_KB_PEER === '0') return podchurnOnly();
  const build = await buildKubeBurner(kubeBurnerVersion);
  process.stderr.write(`kube-burner ${kubeBurnerVersion} ready (${build.toolchain}, ${build.buildSeconds} s)\n`);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-kb-'));
  const runs: RoundResult[] = [];
  let profile: BenchResults['profile'] = null;
  let controlPlane: ControlPlane | undefined;
  try {
    controlPlane = await startControlPlane(work);
    for (let round = 1; round <= rounds; round++) {
      // podchurn, kube-burner, podchurn, kube-burner, ...: both see the same drift in machine load.
      for (const tool of ['podchurn', 'kube-burner'] as const) runs.push(await runRound(tool, round, work, controlPlane.kubeconfig, build.binary));
    }
    if (process.env.BENCH_KB_PROFILE !== '0') profile = await profiledRun(work, controlPlane.kubeconfig);
  } finally {
    await controlPlane?.stop();
    if (runs.every((r) => r.exitCode === 0)) rmSync(work, { recursive: true, force: true });
    else process.stderr.write(`kube-burner bench: a run failed; logs kept in ${work}\n`);
  }
  const byTool = (tool: Tool) => runs.filter((r) => r.tool === tool);
  const medians = { podchurn: summarise(byTool('podchurn')), 'kube-burner': summarise(byTool('kube-burner')) };
  const loads = runs.map((r) => r.load1Before);
  const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const results: BenchResults = {
    date: new Date().toISOString(),
    cores: cpus().length,
    controlPlane:
      `etcd + kube-apiserver + kube-controller-manager (namespace controller ` +
      `only) ${KUBERNETES_KEY.split('@')[1]} on loopback, same machine; no scheduler, no kubelet`,
    clusterChoice,
    job:
      `create ${pods.toLocaleString('en-US')} pods (bound to a node that does not exist, terminationGracePeriodSeconds 0, podchurn's pod manifest) ` +
      `in a namespace of their own at qps ${qps} / burst ${burst}, then delete them all at the same limit, then delete the namespace and wait for it to go`,
    peer: {
      tool: 'kube-burner',
      module: `${kubeBurnerModule}@v${kubeBurnerVersion}`,
      revision: build.revision,
      toolchain: build.toolchain,
      build:
        `\`go mod download\` of the exact version from the Go module proxy (it refuses to list this module's versions; ` +
        `v${kubeBurnerVersion} is the newest release tag upstream); a wrapper module under the podchurn cache (build/kube-burner@VERSION) requires it and ` +
        `repeats its k8s.io replace directives; \`go build -trimpath\` ` +
        `of ${kubeBurnerModule}/cmd/kube-burner, CGO off, GOTOOLCHAIN=local; binary in bench/kube-burner@VERSION`,
      config:
        `\`kube-burner init -c <config> --uuid <id> --kubeconfig <file> --skip-log-file\`; create job: ` +
        `jobIterations ${pods}, 1 replica, one namespace (namespacedIterations false), ` +
        `qps/burst ${qps}/${burst}, podWait false, waitWhenFinished false, preLoadImages false, verifyObjects false, cleanup false; delete job: Pods ` +
        `then the ` +
        `Namespace by the run's kube-burner.io/uuid label, ` +
        `qps/burst ${qps}/${burst}, waitForDeletion true (its List poll every 2 s); measurements: podLatency (global), kept open across both jobs by ` +
        `metricsAggregate on the create job; indexer: local (its metrics directory); gc off, no Prometheus endpoints`,
    },
    podchurn: {
      version: packageVersion,
      args:
        `podchurn run <scenario>: kube target, waitFor created, ` +
        `qps ${qps}, burst ${burst}, one batch of ${pods}, concurrency ${podchurnConcurrency}, hold 0, grace 0 (the built CLI, dist/)`,
    },
    pods,
    qps,
    burst,
    rounds,
    runs,
    spread: { podchurn: spreadOf(byTool('podchurn')), 'kube-burner': spreadOf(byTool('kube-burner')) },
    profile,
    medians,
    ratio: ratioOf(medians.podchurn, medians['kube-burner']),
    podchurnDeletionLatencyMs: {
      p50: median(byTool('podchurn').flatMap((r) => (r.deletionP50Ms === null ? [] : [r.deletionP50Ms]))),
      p99: median(byTool('podchurn').flatMap((r) => (r.deletionP99Ms === null ? [] : [r.deletionP99Ms]))),
    },
    loadAverage: { first: loads[0]!, last: loads.at(-1)!, max: Math.max(...loads) },
  };
  writeResults(results);
}

function writeResults(results: BenchResults): void {
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/kube-burner.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync('bench/results/kube-burner.md', renderMarkdown(results));
  process.stdout.write(readFileSync('bench/results/kube-burner.md', 'utf8'));
}

/** A verdict per figure: podchurn must not be slower (wall, rates) and its cost is shown beside the peer's. */
function verdicts(results: BenchResults): string[] {
  const { ratio, medians } = results;
  const p = medians.podchurn;
  const k = medians['kube-burner'];
  const pct = (x: number) => `${Math.round(Math.abs(x - 1) * 1000) / 10} %`;
  const time = (r: number) => (r <= 1 ? `podchurn ${pct(r)} faster` : `podchurn ${pct(r)} **slower**`);
  const rate = (r: number) => (r >= 1 ? `podchurn ${pct(r)} higher` : `podchurn ${pct(r)} **lower**`);
  const { qps, burst, pods } = results;
  const met = (ok: boolean) => (ok ? 'met' : '**NOT met**');
  const range = ([low, high]: [number, number]) => `${low}-${high}`;
  const cost = (r: number) => `target podchurn no higher: ${met(r <= 1)}`;
  return [
    `- Wall time of the whole job: ${p.wallS} s ` +
      `vs ${k.wallS} s, ratio ${ratio.wallS}: ${time(ratio.wallS)} (target: podchurn not slower: ${met(ratio.wallS <= 1)}).`,
    `- First pod created -> last pod gone: ${p.podSpanS} s vs ${k.podSpanS} s, ratio ${ratio.podSpanS}: ${time(ratio.podSpanS)} (${met(ratio.podSpanS <= 1)}).`,
    `- Outside the pods: start -> first pod ${p.startToFirstPodS} s ` +
      `vs ${k.startToFirstPodS} s (podchurn is a Node process loading its bundled CLI from V8's code cache, a Go binary starts at once); last pod gone -> ` +
      `exit ${p.lastPodToExitS} s vs ${k.lastPodToExitS} s (both delete their namespace and wait for the namespace controller to remove it: podchurn reads ` +
      `it every 100 ms, kube-burner lists every 2 s; podchurn then runs its leak check, analysis and reports).`,
    `- Create rate: ${p.createsPerS}/s vs ${k.createsPerS}/s ` +
      `(ratio ${ratio.createsPerS}: ${rate(ratio.createsPerS)}); delete ` +
      `rate: ${p.deletesPerS}/s vs ${k.deletesPerS}/s ` +
      `(ratio ${ratio.deletesPerS}: ${rate(ratio.deletesPerS)}). Both stay on the configured limit, and both start each phase with a full bucket ` +
      `(kube-burner a new limiter per job, podchurn fills its bucket when a phase starts), which lets the ` +
      `first ${burst} requests go at once: ${round1(((pods - 1) / (pods - burst)) * qps, 2)}/s is the expected rate for both.`,
    `- Client CPU: ${p.cpuS} s vs ${k.cpuS} s ` +
      `(ratio ${ratio.cpuS}; rounds ${range(results.spread.podchurn.cpuS)} ` +
      `vs ${range(results.spread['kube-burner'].cpuS)}): ${cost(ratio.cpuS)}; peak ` +
      `RSS: ${p.peakRssMb} MB vs ${k.peakRssMb} MB ` +
      `(ratio ${ratio.peakRssMb}; rounds ${range(results.spread.podchurn.peakRssMb)} ` +
      `vs ${range(results.spread['kube-burner'].peakRssMb)}): ${cost(ratio.peakRssMb)}. Wall time ` +
      `rounds: ${range(results.spread.podchurn.wallS)} ` +
      `vs ${range(results.spread['kube-burner'].wallS)}. Both watch and record every pod: podchurn its own watch, per-pod phase tracking and event recording ` +
      `(events.jsonl), then analysis and the reports (summary.json, report.md/html, junit.xml), plus Node start-up; kube-burner its podLatency measurement ` +
      `(a pod informer and a pod-event informer, one record per pod in memory, quantiles at the end, documents to its local indexer).`,
    `- Deletion latency: podchurn measures it per pod (gone - delete sent): median of the rounds' p50 ` +
      `**${results.podchurnDeletionLatencyMs.p50} ms**, p99 ` +
      `**${results.podchurnDeletionLatencyMs.p99} ms** (grace 0, no kubelet: this is the API's own delete path; the ` +
      `first ${burst} deletes of the phase reach the API together, which sets its tail). kube-burner's podLatency measures creation -> scheduled / ` +
      `initialized / containers ready / ready per pod, not deletion, and indexes a pod's document only once it was Ready: these pods never run, so it ` +
      `records every pod but indexes no latency; its delete job sends the deletes and then polls List every 2 s until nothing is left.`,
  ];
}

function renderMarkdown(results: BenchResults): string {
  const row = (r: RoundResult) =>
    `| ${r.round} | ${r.tool} | ${r.wallS} ` +
    `| ${r.startToFirstPodS} | ${r.podSpanS} | ${r.lastPodToExitS} ` +
    `| ${r.createsPerS} | ${r.deletesPerS} | ${r.cpuS} ` +
    `| ${r.peakRssMb} | ${r.deletionP50Ms ?? '-'} ` +
    `/ ${r.deletionP99Ms ?? '-'} | ${r.podsAdded} / ${r.podsDeleted} | ${r.exitCode} | ${r.leftovers.length} | ${r.load1Before} |`;
  const medianRow = (tool: Tool) => {
    const m = results.medians[tool];
    return (
      `| median | **${tool}** | **${m.wallS}** | ` +
      `**${m.startToFirstPodS}** | **${m.podSpanS}** | ` +
      `**${m.lastPodToExitS}** | **${m.createsPerS}** | ` +
      `**${m.deletesPerS}** | **${m.cpuS}** | **${m.peakRssMb}** ` +
      `| ${tool === 'podchurn' ? `${results.podchurnDeletionLatencyMs.p50} / ${results.podchurnDeletionLatencyMs.p99}` : 'not measured'} | | | | |`
    );
  };
  const r = results.ratio;
  return [
    '# API level: podchurn vs kube-burner',
    '',
    `Measured ${results.date} by bench/kube-burner.ts (part of \`npm run bench\`; alone: \`node --import tsx bench/kube-burner.ts\`) ` +
      `on ${results.cores} cores; control plane: ${results.controlPlane}.`,
    `Job, the same for both tools: ${results.job}.`,
    `${results.rounds} rounds, alternated: podchurn, kube-burner, podchurn, kube-burner, ... (each tool is a child process of the benchmark).`,
    '',
    `Why this cluster: ${results.clusterChoice}`,
    '',
    `Peer: kube-burner from \`${results.peer.module}\` (${results.peer.toolchain}, origin ${results.peer.revision}). Build: ${results.peer.build}.`,
    `Run: ${results.peer.config}.`,
    `podchurn ${results.podchurn.version}: ${results.podchurn.args}.`,
    '',
    'How each figure is taken, identically for both tools:',
    '- wall s: the tool process from spawn to exit (start-up, namespace, creates, deletes, namespace removal and wait, its own output).',
    '- pod span s: first pod ADDED -> last pod DELETED, seen by one watch on all pods opened by the benchmark before the tool starts; wall = start -> ' +
      'first pod + pod span + last pod -> exit.',
    '- creates/s, deletes/s: (n - 1) / (last - first) over the ADDED (DELETED) stamps of that watch, i.e. as the API server saw them, not as the tool ' +
      'reports them.',
    "- CPU s: utime + stime of the tool process (and anything it reaped), from the benchmark's reaped-children counters (/proc/self/stat), read at " +
      'exit so nothing is missed.',
    '- peak RSS MB: VmHWM of the tool process, sampled every 100 ms (/proc/PID/status).',
    '- load: 1-minute load average before the run (other work shares the machine; the alternation gives both tools the same drift).',
    '',
    '| round | tool | wall s | start -> first pod s | pod span s | last pod -> exit s | creates/s | deletes/s | CPU s | peak RSS MB | deletion p50 / ' +
      'p99 ms | pods added / deleted | exit | left behind | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.runs.map(row),
    medianRow('podchurn'),
    medianRow('kube-burner'),
    `| ratio | podchurn / kube-burner | ${r.wallS} ` +
      `| ${r.startToFirstPodS} | ${r.podSpanS} | ${r.lastPodToExitS} | ${r.createsPerS} | ${r.deletesPerS} | ${r.cpuS} | ${r.peakRssMb} | | | | | |`,
    '',
    ...verdicts(results),
    `- Load average (1 min) before the runs: first ${results.loadAverage.first}, last ${results.loadAverage.last}, highest ${results.loadAverage.max}.`,
    ...incompleteWatches(results),
    '',
    ...clientSection(results),
    ...profileSection(results),
  ].join('\n');
}

/**
 * Rounds in which the benchmark's own watch saw fewer pods than the job made: their spans and rates
 * are not the tool's (wall, CPU and RSS come from the process and stand). The tool's own exit code
 * and the left-behind check say whether the job itself was complete.
 */
function incompleteWatches(results: BenchResults): string[] {
  const short = results.runs.filter((r) => r.podsAdded < results.pods || r.podsDeleted < results.pods);
  if (!short.length) return [];
  const which = short.map((r) => `round ${r.round} ${r.tool} (${r.podsAdded} added / ${r.podsDeleted} deleted seen)`).join(', ');
  return [
    `- The benchmark's watch fell behind in ${which}: that row's spans and rates are not the tool's and the medians of those columns rest on the other ` +
      `rounds; its wall, CPU and RSS stand${
        short.every((r) => r.exitCode === 0 && r.leftovers.length === 0) ? ' (the tool exited 0 and left nothing ' + 'behind)' : ''
      }.`,
  ];
}

/** A results file of this benchmark kept from an earlier state of the tree, if it is there. */
function keptResults(file: string): BenchResults | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResults) : undefined;
}

/**
 * What @kubernetes/client-node 2.x changed and what was done about it, from the results files kept
 * beside this one (the 1.4.0 and 2.0.1-as-is runs of this benchmark, the one-lever-at-a-time runs).
 */
function clientSection(results: BenchResults): string[] {
  const before = keptResults('bench/results/kube-burner-client-node-1.4.0.json');
  const asIs = keptResults('bench/results/kube-burner-client-node-2.0.1-as-is.json');
  const levers = existsSync(`${leversFile}.json`) ? (JSON.parse(readFileSync(`${leversFile}.json`, 'utf8')) as LeverRun[]) : [];
  if (!before || !asIs) return [];
  const line = (name: string, r: BenchResults, file: string) => {
    const [p, k] = [r.medians.podchurn, r.medians['kube-burner']];
    return `| ${name} ([${file}](${file})) | ${p.cpuS} vs ${k.cpuS} | ${p.peakRssMb} vs ${k.peakRssMb} | ${p.wallS} vs ${k.wallS} | ${r.loadAverage.max} |`;
  };
  return [
    '## @kubernetes/client-node 1.4.0 -> 2.0.1, and the levers',
    '',
    'The same benchmark, podchurn vs kube-burner (medians of 3 alternated rounds each), at three states of the tree:',
    '',
    '| podchurn state | CPU s | peak RSS MB | wall s | highest load |',
    '|---|---|---|---|---|',
    line('client-node 1.4.0 (node-fetch, HTTP/1.1)', before, 'kube-burner-client-node-1.4.0.md'),
    line('client-node 2.0.1 as it comes (undici, HTTP/2), agent shared', asIs, 'kube-burner-client-node-2.0.1-as-is.md'),
    line('2.0.1 with the levers kept (this file)', results, 'kube-burner.md'),
    '',
    `- 2.0.1 as it comes cost more, not less: CPU ${before.medians.podchurn.cpuS} -> ${asIs.medians.podchurn.cpuS} s, peak RSS ` +
      `${before.medians.podchurn.peakRssMb} -> ${asIs.medians.podchurn.peakRssMb} MB. undici's fetch (WHATWG headers, streams and a Response per ` +
      'request) replaces node-fetch, the generated client still walks every created and deleted Pod through its model classes, and the bundle grew ' +
      '(undici). 2.x also builds a new undici Agent per request, as 1.x built an https.Agent: cluster/kube-connection.ts shares one per server and ' +
      'TLS identity (kube-apiserver and undici then agree on HTTP/2).',
    '- Kept, because the levers below bring it below 1.4.0 on CPU and peak RSS (table above): pod create and delete, the two calls per pod, as thin https ' +
      "requests with the kubeconfig's options (targets/kube/lean-pod-api.ts: no undici fetch, no model (de)serialisation, the API's JSON " +
      "JSON.parse'd); the pod watch's stream read the same way (targets/kube/lean-watch.ts: the library's watch contract over Node's https, lines " +
      "split as they arrive, instead of undici's fetch, a web stream turned into a Node stream, readline and a timer restarted per chunk; its " +
      "inactivity limit is the server's own watch timeout, not 2.x's 30 s); the event log's lines written in batches of 50 ms, not one write per " +
      "turn of the event loop (results/event-log.ts); the watch's copy of each live pod without its managed fields and containers' spec; at " +
      "most max(8, qps / 10) connections to the API server for these https requests (cluster/kube-connection.ts; uncapped, each phase's first " +
      'burst of 50 opened 50 TLS connections, whose memory set the peak RSS); a bundle ' +
      'without whitespace and comments (scripts/bundle.sh: V8 keeps the whole source in memory, two bytes per character once one non-ASCII ' +
      'character appears, which comments brought); `--optimize-for-size` as bin/podchurn.js sets it; one full garbage collection before each ' +
      "cell's churn and before the analysis (util/heap.ts: V8 sets a new process's real heap limit only after its first full collection, and " +
      "until then the start-up's garbage and the first burst's doubled the heap, which set the peak RSS). The lists, namespace, evidence and node proxy " +
      "stay the library's. Measured and left out: `--semi-space-growth-factor=1` (the young generation kept at its first size) moved peak RSS by " +
      'about a megabyte, inside the spread of the rounds; without `--optimize-for-size` peak RSS rose by half.',
    ...(levers.length
      ? [
          `- One lever at a time, podchurn alone on the same job ([kube-burner-levers.md](kube-burner-levers.md)): ${levers
            .map((l) => `${l.label}: CPU ${l.median.cpuS} s, peak RSS ${l.median.peakRssMb} MB`)
            .join('; ')}.`,
        ]
      : []),
    '',
  ];
}

/** Where podchurn's CPU goes: self time by module and by function, from the extra profiled run. */
function profileSection(results: BenchResults): string[] {
  const { profile } = results;
  if (!profile) return [];
  const { run, summary } = profile;
  const table = (title: string, rows: CpuProfileSummary['byModule']) => [
    `| ${title} | self ms | % of busy |`,
    '|---|---|---|',
    ...rows.map((r) => `| ${r.name.replaceAll('|', '\\|')} | ${r.selfMs} | ${r.percent} |`),
    '',
  ];
  return [
    "## Where podchurn's CPU goes",
    '',
    `One more podchurn run after the rounds above, not counted in them: the same job under \`node --cpu-prof\` (the compiled, unbundled CLI, ` +
      `dist/cli/main.js, so each function's module is known; \`--optimize-for-size\` as bin/podchurn.js sets it). That run: ` +
      `wall ${run.wallS} s, CPU ${run.cpuS} s (the profiler's own cost included), peak ` +
      `RSS ${run.peakRssMb} MB, load ${run.load1Before}. The main thread was ` +
      `busy ${round1(summary.busyMs / 1000, 2)} s of the profile and ` +
      `idle ${round1(summary.idleMs / 1000, 2)} s; the rest of the process's CPU is other threads (V8's concurrent compiler and collector, libuv's pool). ` +
      `Self time, largest first: \`(garbage collector)\` is V8's collection on the main thread, \`(native)\` a native function called from JavaScript ` +
      `(socket writes, which include TLS encryption, and file writes), \`(program)\` native work outside any JavaScript function. The profiler samples the ` +
      `main thread at wall-clock intervals, so on a loaded machine a call that enters the kernel also collects the time the thread then waited for a core: ` +
      `the native writes read larger than their CPU.`,
    '',
    `How to read it: podchurn's own modules ` +
      `are ${summary.byOrigin.find((r) => r.name.startsWith('podchurn'))?.percent ?? 0} % of the busy samples; the rest is the API client's path ` +
      `(for each pod's create and delete, Node's https and TLS sockets, targets/kube/lean-pod-api.ts; for the watch, the lists and the namespace calls, ` +
      `@kubernetes/client-node 2.x and its HTTP client, undici), V8's collector and, in this profiled run only, compiling the unbundled CLI's ` +
      `modules (\`compileSourceTextModule\`; the measured rounds run the bundle from V8's code cache). \`writeBuffer\` is the event log handing its batched ` +
      `lines to libuv's thread pool (results/event-log.ts), and \`writev\` / \`writeLatin1String\` are HTTP requests written to TLS sockets: calls into the ` +
      `kernel, over-weighted here as said above. Connections: kube-burner's client (Go, client-go) multiplexes its requests over one HTTP/2 ` +
      `connection; podchurn's watch and other library calls share one HTTP/2 connection too (undici offers h2 and kube-apiserver takes it), while its pod ` +
      `creates and deletes speak HTTP/1.1 over keep-alive TLS connections, one per request in flight up to max(8, qps / 10) (cluster/kube-connection.ts), ` +
      `so a burst of ${results.burst} waits for a free one.`,
    '',
    ...table('origin', summary.byOrigin),
    ...table('module', summary.byModule),
    ...table('function (module:line)', summary.byFunction),
  ];
}

if (process.env.BENCH_RENDER_ONLY === '1') {
  writeResults(JSON.parse(readFileSync('bench/results/kube-burner.json', 'utf8')) as BenchResults);
  if (existsSync(`${leversFile}.json`)) renderLevers(JSON.parse(readFileSync(`${leversFile}.json`, 'utf8')) as LeverRun[]);
} else await main();
