/**
 * Head-to-head: containerd's own stress tool (containerd-stress, built from the Go module proxy at
 * the version of the runtime under test) vs podchurn, alternated on one managed containerd at equal
 * concurrency. Writes bench/results/containerd-stress.{md,json}.
 *
 * What each counts:
 * - containerd-stress (default mode): per iteration one container with a snapshot, one task running
 *   `true`, waited for, deleted. One runtime task started and stopped (it exits on its own).
 * - podchurn: per pod a sandbox (pause task) plus one workload task, the workload stopped through
 *   CRI StopContainer (SIGTERM, exits at once), then both removed; every step stamped in events.jsonl.
 *   Two runtime tasks per pod, and CRI's bookkeeping (sandbox store, container log, status) on top.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { directLoop } from './direct-loop.js';
import {
  buildLayerTar,
  cacheDir,
  CellSettingsSchema,
  containerdExcludes,
  CriClient,
  downloadModule,
  goEnvironment,
  goVersion,
  isPodEvent,
  type LayerEntry,
  openCriSession,
  parseEventLines,
  runGo,
  runScenario,
  whichProgram,
  wrapperModuleGoMod,
} from '../src/index.js';

const containerdVersion = process.env.BENCH_CONTAINERD ?? '1.7.22';
const runcVersion = process.env.BENCH_RUNC ?? '1.1.14';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const stressSeconds = Number(process.env.BENCH_STRESS_SECONDS ?? 20);
const podchurnPods = Number(process.env.BENCH_PODS ?? 200);
const containerdModule = 'github.com/containerd/containerd';
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-stress-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * containerd-stress's init raises RLIMIT_NOFILE to 100,000 and panics if it cannot; root without
 * CAP_SYS_RESOURCE (this project's machines) cannot raise the hard limit. The build compiles the
 * tool's own package from the module with only that function replaced by this one, which keeps
 * the inherited limit (20,000 here: far more than the benchmark's concurrency needs).
 */
const rlimitReplacement = [
  '//go:build !windows && !freebsd',
  '',
  'package main',
  '',
  '// setRlimit keeps the inherited open-files limit (podchurn benchmark build: no CAP_SYS_RESOURCE).',
  'func setRlimit() error { return nil }',
  '',
].join('\n');

/** Builds containerd-stress at `version` (cached under the podchurn cache); returns its path and origin. */
export async function buildContainerdStress(version: string): Promise<{ binary: string; toolchain: string; revision: string; buildSeconds: number }> {
  const root = cacheDir();
  const binDir = join(root, 'bench', `containerd-stress@${version}`);
  const binary = join(binDir, 'containerd-stress');
  const env = await goEnvironment(root);
  const started = performance.now();
  const downloaded = (await downloadModule(containerdModule, version, env)) as { Dir?: string; Origin?: { Hash?: string } };
  if (!existsSync(binary)) {
    if (!downloaded.Dir) throw new Error(`go mod download did not report a directory for ${containerdModule}@v${version}`);
    const workDir = join(root, 'build', `containerd-stress@${version}`);
    const pkgDir = join(workDir, 'stress');
    rmSync(pkgDir, { recursive: true, force: true });
    mkdirSync(pkgDir, { recursive: true });
    // The stress package itself is copied in below (with one function replaced), so the wrapper imports nothing.
    writeFileSync(
      join(workDir, 'go.mod'),
      wrapperModuleGoMod({ name: 'containerd-stress', goLine: 'go 1.21', module: containerdModule, version, excludes: containerdExcludes, imports: [] }),
    );
    const sourceDir = join(downloaded.Dir, 'cmd', 'containerd-stress');
    for (const name of readdirSync(sourceDir).filter((n) => n.endsWith('.go') && n !== 'rlimit_unix.go')) {
      copyFileSync(join(sourceDir, name), join(pkgDir, name));
      chmodSync(join(pkgDir, name), 0o644);
    }
    writeFileSync(join(pkgDir, 'rlimit_podchurn.go'), rlimitReplacement);
    await runGo(['mod', 'tidy'], workDir, env);
    mkdirSync(binDir, { recursive: true });
    const ldflags = `-s -w -X ${containerdModule}/version.Version=v${version}`;
    await runGo(['build', '-trimpath', '-tags', 'urfave_cli_no_docs', '-ldflags', ldflags, '-o', binary, './stress'], workDir, { ...env, CGO_ENABLED: '0' });
  }
  return {
    binary,
    toolchain: await goVersion(env),
    revision: downloaded.Origin?.Hash ?? `v${version}`,
    buildSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

interface Blob {
  digest: string;
  data: Buffer;
  mediaType: string;
}

function blob(data: Buffer | string, mediaType: string): Blob {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: `sha256:${createHash('sha256').update(buffer).digest('hex')}`, data: buffer, mediaType };
}

/**
 * containerd-stress always pulls its image (there is no import path), and this machine has no
 * registry: serve a busybox image (with the `games` user the tool runs as) from a read-only
 * registry on localhost, which containerd's resolver talks to over plain HTTP.
 */
async function serveStressImage(): Promise<{ server: Server; reference: string }> {
  const busybox = readFileSync((await whichProgram('busybox')) ?? '/bin/busybox');
  const entries: LayerEntry[] = [
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'dir', path: 'etc', mode: 0o755 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: 'bin/busybox', content: busybox, mode: 0o755 },
    { type: 'symlink', path: 'bin/true', target: 'busybox' },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    { type: 'file', path: 'etc/passwd', content: Buffer.from('root:x:0:0:root:/root:/bin/sh\ngames:x:5:60:games:/tmp:/bin/sh\n'), mode: 0o644 },
    { type: 'file', path: 'etc/group', content: Buffer.from('root:x:0:\ngames:x:60:\n'), mode: 0o644 },
  ];
  const layer = blob(await buildLayerTar(entries), 'application/vnd.oci.image.layer.v1.tar');
  const config = blob(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['true'] }, rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.data.length }],
    }),
    'application/vnd.oci.image.manifest.v1+json',
  );
  const blobs = new Map([layer, config, manifest].map((b) => [b.digest, b]));
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    let found: Blob | undefined;
    if (url === '/v2/' || url === '/v2') {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    const manifestMatch = /^\/v2\/podchurn\/stress\/manifests\/(.+)$/.exec(url);
    const blobMatch = /^\/v2\/podchurn\/stress\/blobs\/(.+)$/.exec(url);
    if (manifestMatch) found = manifestMatch[1] === '1' || manifestMatch[1] === manifest.digest ? manifest : undefined;
    else if (blobMatch) found = blobs.get(decodeURIComponent(blobMatch[1]!));
    if (!found) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': found.mediaType, 'Content-Length': found.data.length, 'Docker-Content-Digest': found.digest });
    response.end(request.method === 'HEAD' ? undefined : found.data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, reference: `localhost:${port}/podchurn/stress:1` };
}

interface StressRound {
  containers: number;
  failures: number;
  seconds: number;
  perSecond: number;
  load1: number;
}

async function stressOnce(binary: string, socket: string, image: string): Promise<StressRound> {
  const load1 = loadavg()[0]!;
  const args = ['--address', socket, '--concurrent', String(concurrency), '--duration', `${stressSeconds}s`, '--image', image, '--json'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`containerd-stress exited ${code}:\n${stderr.slice(-2000)}`);
  const result = JSON.parse(line) as { total: number; seconds: number };
  // The JSON result leaves `failures` at 0; the tool's own log line carries the real count.
  const failures = Number(/failures=(\d+)/.exec(stderr)?.[1] ?? 0);
  return { containers: result.total, failures, seconds: round3(result.seconds), perSecond: round3(result.total / result.seconds), load1: round3(load1) };
}

/**
 * Two podchurn shapes at the same concurrency: `one-batch` creates every pod (at most `concurrency`
 * calls in flight), then deletes them all, so up to `pods` pods are alive at once; `cycles` runs
 * cycles of `concurrency` pods, so at most that many are alive, as with the peer's workers, at the
 * cost of a barrier per cycle (each waits for its slowest pod).
 */
const shapes = {
  'one-batch': { pods: podchurnPods, batchSize: podchurnPods, cycles: 1 },
  cycles: { pods: concurrency, batchSize: concurrency, cycles: Math.ceil(podchurnPods / concurrency) },
} as const;
type Shape = keyof typeof shapes;

interface PodchurnRound {
  shape: Shape;
  pods: number;
  notOk: number;
  seconds: number;
  podsPerSecond: number;
  tasksPerSecond: number;
  load1: number;
}

async function podchurnOnce(endpoint: string, shape: Shape): Promise<PodchurnRound> {
  const load1 = loadavg()[0]!;
  const file = join(work, 'bench-stress.yaml');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name: 'vs-stress' },
      target: { type: 'cri', endpoint },
      ...shapes[shape],
      concurrency,
      holdSeconds: 0,
      gracePeriodSeconds: 2,
      workload: { onSigterm: 'exit' },
    }),
  );
  const { dir, analysis } = await runScenario({ scenarioFile: file, overrides: [], reportsDir: join(work, 'reports'), signal: new AbortController().signal });
  const events = parseEventLines(readFileSync(join(dir.path, 'events.jsonl'), 'utf8')).filter(isPodEvent);
  const seconds = (events.filter((e) => e.kind === 'gone').at(-1)!.mono - events.find((e) => e.kind === 'create-sent')!.mono) / 1000;
  const outcomes = analysis.summary.cells[0]!.outcomes as Record<string, number>;
  const notOk = Object.entries(outcomes)
    .filter(([k]) => k !== 'ok')
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    shape,
    pods: podchurnPods,
    notOk,
    seconds: round3(seconds),
    podsPerSecond: round3(podchurnPods / seconds),
    tasksPerSecond: round3((2 * podchurnPods) / seconds),
    load1: round3(load1),
  };
}

/**
 * The same CRI calls as the `cycles` shape with nothing recorded (bench/direct-loop.ts), to tell
 * podchurn's own cost from the cost of going through CRI with a sandbox per pod.
 */
async function directOnce(client: CriClient, image: string, cgroupParent: string, round: number): Promise<PodchurnRound> {
  const load1 = loadavg()[0]!;
  const { cycles, pods } = shapes.cycles;
  let ms = 0;
  for (let cycle = 0; cycle < cycles; cycle++)
    ms += await directLoop(client, { pods, batchSize: pods, grace: 2, image, cgroupParent, tag: `s${round}-${cycle}` });
  const seconds = ms / 1000;
  const total = pods * cycles;
  return {
    shape: 'cycles',
    pods: total,
    notOk: 0,
    seconds: round3(seconds),
    podsPerSecond: round3(total / seconds),
    tasksPerSecond: round3((2 * total) / seconds),
    load1: round3(load1),
  };
}

async function main(): Promise<void> {
  const build = await buildContainerdStress(containerdVersion);
  process.stderr.write(`containerd-stress ${containerdVersion} ready (${build.toolchain}, ${build.buildSeconds} s)\n`);
  const settings = CellSettingsSchema.parse({ runtime: { containerd: containerdVersion, runc: runcVersion } });
  const session = await openCriSession(settings, `bench-stress-${process.pid}`, 1, work);
  const { server, reference } = await serveStressImage();
  const stress: StressRound[] = [];
  const podchurn: PodchurnRound[] = [];
  const direct: PodchurnRound[] = [];
  const client = new CriClient(session.record.endpoint);
  try {
    for (let round = 0; round < rounds; round++) {
      // Alternate the order, so a drift in machine load does not favour one side.
      const steps: ('stress' | 'direct' | Shape)[] =
        round % 2 === 0 ? ['stress', 'one-batch', 'cycles', 'direct'] : ['direct', 'cycles', 'one-batch', 'stress'];
      for (const step of steps) {
        if (step === 'stress') stress.push(await stressOnce(build.binary, session.record.endpoint, reference));
        else if (step === 'direct') direct.push(await directOnce(client, session.workloadImage, session.cgroupParent, round));
        else podchurn.push(await podchurnOnce(session.record.endpoint, step));
      }
      const last = (shape: Shape) => podchurn.filter((r) => r.shape === shape).at(-1)!;
      process.stderr.write(
        `round ${round + 1}/${rounds}: containerd-stress ${stress.at(-1)!.perSecond} containers/s; podchurn ` +
          `one-batch ${last('one-batch').podsPerSecond} pods/s, ` +
          `cycles ${last('cycles').podsPerSecond} pods/s; direct CRI loop ${direct.at(-1)!.podsPerSecond} pods/s\n`,
      );
    }
  } finally {
    client.close();
    server.close();
    await session.close();
    // containerd-stress's containers used the default cgroup path /stress/<id>; the containers are gone, drop the empty parents.
    for (const hierarchy of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
      try {
        rmdirSync(`/sys/fs/cgroup/${hierarchy}/stress`);
      } catch {
        // absent, or not a cgroup hierarchy
      }
    }
  }
  const stressMedian = median(stress.map((r) => r.perSecond));
  const byShape = (shape: Shape) => {
    const runs = podchurn.filter((r) => r.shape === shape);
    const pods = median(runs.map((r) => r.podsPerSecond));
    const tasks = median(runs.map((r) => r.tasksPerSecond));
    return { runs, medianPodsPerSecond: pods, medianTasksPerSecond: tasks, ratioPods: round3(pods / stressMedian), ratioTasks: round3(tasks / stressMedian) };
  };
  const shapeResults = { 'one-batch': byShape('one-batch'), cycles: byShape('cycles') };
  const directMedian = median(direct.map((r) => r.podsPerSecond));
  const directResults = {
    runs: direct,
    medianPodsPerSecond: directMedian,
    ratioPodchurnCyclesToDirect: round3(shapeResults.cycles.medianPodsPerSecond / directMedian),
    ratioDirectTasksToStress: round3((2 * directMedian) / stressMedian),
  };
  const results: BenchResults = {
    date: new Date().toISOString(),
    runtime:
      `containerd ${session.record.measured?.containerd ?? containerdVersion} (managed), ` +
      `runc ${session.record.measured?.runc ?? runcVersion}; CRI ${session.record.cri.runtimeVersion}`,
    peer: {
      tool: 'containerd-stress',
      module: `${containerdModule}@v${containerdVersion}`,
      revision: build.revision,
      toolchain: build.toolchain,
      args: `-c ${concurrency} -d ${stressSeconds}s --image <local busybox image>`,
    },
    concurrency,
    pods: podchurnPods,
    rounds,
    cores: 2,
    stress,
    medianStressContainersPerSecond: stressMedian,
    podchurn: shapeResults,
    directCriLoop: directResults,
  };
  writeResults(results);
}

interface BenchResults {
  date: string;
  runtime: string;
  peer: { tool: string; module: string; revision: string; toolchain: string; args: string };
  concurrency: number;
  pods: number;
  rounds: number;
  cores: number;
  stress: StressRound[];
  medianStressContainersPerSecond: number;
  podchurn: Record<Shape, { runs: PodchurnRound[]; medianPodsPerSecond: number; medianTasksPerSecond: number; ratioPods: number; ratioTasks: number }>;
  directCriLoop: { runs: PodchurnRound[]; medianPodsPerSecond: number; ratioPodchurnCyclesToDirect: number; ratioDirectTasksToStress: number };
}

function writeResults(results: BenchResults): void {
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/containerd-stress.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync('bench/results/containerd-stress.md', renderMarkdown(results));
  process.stdout.write(readFileSync('bench/results/containerd-stress.md', 'utf8'));
}

/** bench/results/containerd-stress.md from the JSON results (BENCH_RENDER_ONLY=1 re-renders it without measuring). */
function renderMarkdown(results: BenchResults): string {
  const { stress, rounds } = results;
  const shapeResults = results.podchurn;
  const stressMedian = results.medianStressContainersPerSecond;
  const directResults = results.directCriLoop;
  const direct = directResults.runs;
  const directMedian = directResults.medianPodsPerSecond;
  const podchurnPods = results.pods;
  const concurrency = results.concurrency;
  const cyclesCount = Math.ceil(podchurnPods / concurrency);
  const within = (ratio: number) => (ratio >= 0.9 ? 'within 10%' : `${Math.round((1 - ratio) * 1000) / 10}% below: not within 10%`);
  const recordingRatio = directResults.ratioPodchurnCyclesToDirect;
  const recordingCost = recordingRatio >= 1 ? undefined : `${Math.round((1 - recordingRatio) * 100)}%`;
  const cell = (r: PodchurnRound) => `${r.podsPerSecond} / ${r.tasksPerSecond} (${r.seconds} s, not ok ${r.notOk}, load ${r.load1})`;
  return [
    '# CRI churn: podchurn vs containerd-stress',
    '',
    `Measured ${results.date} by \`npm run bench\` on ${results.runtime}; 2 cores (1-minute load average at the start of each run below).`,
    `Peer: containerd-stress from \`${results.peer.module}\` (${results.peer.toolchain}), \`${results.peer.args}\`, against the same managed daemon.`,
    "Build: the tool's own package (`cmd/containerd-stress` of that module version) compiled in a wrapper module under the podchurn cache " +
      '(`build/containerd-stress@VERSION`, binary in `bench/containerd-stress@VERSION`; GOMODCACHE/GOCACHE under `go/`, GOTOOLCHAIN=local), with one ' +
      'function replaced: its `setRlimit` raises RLIMIT_NOFILE to 100,000 and panics without CAP_SYS_RESOURCE, which root lacks here; the replacement keeps ' +
      'the inherited limit (20,000). It always pulls its image, so a busybox image with the `games` user it runs `true` as is served from a read-only ' +
      'registry on localhost (plain HTTP).',
    `podchurn: ${podchurnPods} pods, concurrency ${concurrency}, SIGTERM-handling workload, grace 2 s, hold 0, exec probes off; two shapes:`,
    `\`one-batch\` (all ${podchurnPods} created, then all deleted: up ` +
      `to ${podchurnPods} pods alive) and \`cycles\` ` +
      `(${cyclesCount} cycles of ${concurrency} pods: at ` +
      `most ${concurrency} alive, like the peer's ${concurrency} workers, but each cycle waits for its slowest pod).`,
    `Also the direct CRI loop (bench/direct-loop.ts: the same CRI calls as the \`cycles\` shape, nothing recorded), to separate podchurn's own cost ` +
      `from the cost of CRI with a sandbox per pod.`,
    `${rounds} rounds, alternating the order of the four runs.`,
    '',
    'What each counts:',
    '- containerd-stress: containers created (with a snapshot), started (`true`), waited for and deleted, per second of its run (its own `total / ' +
      'seconds`). One runtime task and one shim each; the process exits on its own.',
    '- podchurn: pods per second from the first RunPodSandbox sent to the last RemovePodSandbox returned. Each pod is two runtime tasks in one shim ' +
      "(the sandbox's pause and the workload), the workload stopped with CRI StopContainer (SIGTERM, it exits at once), the sandbox stopped and removed, " +
      'all through the CRI plugin (which also keeps a container log and status), and a per-pod timeline recorded in events.jsonl. "tasks/s" = 2 x pods/s.',
    '',
    '| round | containerd-stress containers/s (n, failures, load) | podchurn one-batch pods/s / tasks/s | podchurn cycles pods/s / tasks/s | direct ' +
      'CRI loop pods/s / tasks/s |',
    '|---|---|---|---|---|',
    ...stress.map(
      (s, i) =>
        `| ${i + 1} | ${s.perSecond} (${s.containers}, ${s.failures}, ` +
        `load ${s.load1}) | ${cell(shapeResults['one-batch'].runs[i]!)} | ${cell(shapeResults.cycles.runs[i]!)} | ${cell(direct[i]!)} |`,
    ),
    `| median | **${stressMedian}** | **${shapeResults['one-batch'].medianPodsPerSecond} ` +
      `/ ${shapeResults['one-batch'].medianTasksPerSecond}** | ` +
      `**${shapeResults.cycles.medianPodsPerSecond} / ${shapeResults.cycles.medianTasksPerSecond}** | **${directMedian} / ${round3(2 * directMedian)}** |`,
    '',
    'Ratio podchurn / containerd-stress (target: within 10%):',
    ...(['one-batch', 'cycles'] as const).map(
      (shape) =>
        `- ${shape}: pods per peer container ` +
        `**${shapeResults[shape].ratioPods}** (${within(shapeResults[shape].ratioPods)}); runtime tasks per peer container ` +
        `**${shapeResults[shape].ratioTasks}** (${within(shapeResults[shape].ratioTasks)}).`,
    ),
    `- the direct CRI loop itself: pods per peer container ` +
      `**${round3(directMedian / stressMedian)}**, tasks ` +
      `**${directResults.ratioDirectTasksToStress}**; podchurn \`cycles\` / direct CRI loop: ` +
      `**${directResults.ratioPodchurnCyclesToDirect}** ` +
      `(${recordingCost ? `podchurn's recording costs ${recordingCost} on this path` : 'podchurn was not slower than the loop that records nothing'}).`,
    '',
    'What it means:',
    `- Per pod, podchurn completes ${shapeResults.cycles.ratioPods} (cycles) ` +
      `and ${shapeResults['one-batch'].ratioPods} (one-batch) of the peer's containers per second: **not within 10%**. A pod is more work than a peer ` +
      `container: two runtime tasks (pause + workload) instead of one, a sandbox (its pause process and IPC namespace), a stop by signal instead of an exit ` +
      `on its own, and the CRI plugin's bookkeeping.`,
    `- The direct CRI loop, which makes the same CRI calls and records nothing, runs ` +
      `at ${round3(directMedian / stressMedian)} of the peer per pod ` +
      `(${directResults.ratioDirectTasksToStress} per runtime task): the gap to the peer is the cost of the CRI path with a sandbox per pod, not of ` +
      `podchurn's recording. podchurn's recording (events.jsonl, per-pod timelines, a ContainerStatus read per stop, verbose only for a container that still ` +
      `claims to run) ${
        recordingCost
          ? `costs ${recordingCost} against that loop here`
          : 'cost nothing measurable against that loop here (rounds vary by more than the difference)'
      }.`,
    '- Counted in runtime tasks started and stopped, podchurn `cycles` (at most as many pods alive as the peer has workers) is the fair like-for-like ' +
      'figure; `one-batch` keeps every pod alive until the delete phase and slows down under memory and CPU pressure on this 2-core machine.',
    '- containerd-stress `--cri` (sandboxes only) cannot be pointed at another socket in 1.7.22 (its CRI endpoint is fixed to ' +
      '/run/containerd/containerd.sock), so the CRI-to-CRI comparison is the direct loop above.',
    `- The load column is the 1-minute load average when each run starts: it carries the previous run's containerd, shim and runc work on 2 cores (the ` +
      `benchmark's first run started at load ${stress[0]?.load1 ?? '?'}), so it is high even on an otherwise idle machine; the rounds show the spread, and ` +
      `only medians are compared.`,
    '',
  ].join('\n');
}

if (process.env.BENCH_RENDER_ONLY === '1') writeResults(JSON.parse(readFileSync('bench/results/containerd-stress.json', 'utf8')) as BenchResults);
else await main();
