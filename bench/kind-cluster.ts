/**
 * The kind path's speed on this machine: building podchurn's offline node image (cold: base file
 * system from debootstrap; new pins over a cached base; warm: same inputs, reused), then `cluster
 * up --provider kind` with the prebuilt image, the first pod Running, and teardown, over a few rounds.
 * Runtime-store builds (Kubernetes, containerd, runc, etcd, crictl) are not part of these figures;
 * docs/RUNTIMES.md lists them. Writes bench/results/kind-cluster.{md,json}.
 *   BENCH_ROUNDS=3 (cluster rounds), BENCH_KIND_COLD=1 (default; 0 keeps the cached base image)
 */
import { loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { buildNodeImage, DEFAULT_KUBERNETES_VERSION, KindProvider, runCommand, sleep, WORKLOAD_IMAGE } from '../src/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const cold = process.env.BENCH_KIND_COLD !== '0';
const name = 'pc-bench-kind';
const pins = { containerd: 'containerd@1.7.22', runc: 'runc@1.1.14' };
const seconds = (from: number) => Math.round((performance.now() - from) / 100) / 10;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const log = (line: string) => process.stderr.write(`kind bench: ${line}\n`);

const pod: V1Pod = {
  metadata: { name: 'first' },
  spec: {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    dnsPolicy: 'Default',
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'workload', image: WORKLOAD_IMAGE, imagePullPolicy: 'IfNotPresent' }],
  },
};

async function buildSeconds(containerd: string, tag: string): Promise<{ seconds: number; built: boolean }> {
  const image = await buildNodeImage({ flavor: 'offline', kubernetes: DEFAULT_KUBERNETES_VERSION, containerd, runc: pins.runc, tag });
  return { seconds: Math.round(image.seconds * 10) / 10, built: image.built };
}

// Node image builds, on tags of their own so cached images of real runs are left alone (except the base when cold).
const benchTag = 'podchurn.local/kind-node:bench';
const otherPinTag = 'podchurn.local/kind-node:bench-other-pin';
await runCommand('docker', ['rmi', '-f', benchTag, otherPinTag]);
if (cold) {
  const bases = (await runCommand('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'podchurn.local/kind-node-base'])).stdout
    .split('\n')
    .filter(Boolean);
  // The base cannot go while images built on it exist; those are rebuilt on their next use.
  const nodes = (await runCommand('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'podchurn.local/kind-node'])).stdout.split('\n').filter(Boolean);
  if (bases.length) await runCommand('docker', ['rmi', '-f', ...nodes, ...bases], { timeoutMs: 300_000 });
}
const builds = {
  cold: cold ? await buildSeconds(pins.containerd, benchTag) : undefined,
  newPins: await buildSeconds('containerd@1.7.15', otherPinTag),
  warm: await buildSeconds(pins.containerd, benchTag),
};
log(`builds: ${JSON.stringify(builds)}`);
await runCommand('docker', ['rmi', '-f', otherPinTag]);

interface Round {
  upSeconds: number;
  firstPodRunningSeconds: number;
  downSeconds: number;
  leftovers: string[];
}
const provider = new KindProvider();
const results: Round[] = [];
for (let round = 1; round <= rounds; round++) {
  let start = performance.now();
  const handle = await provider.up({
    provider: 'kind',
    name,
    kubernetes: DEFAULT_KUBERNETES_VERSION,
    ...pins,
    nodeImage: benchTag,
    runtimeRequestTimeoutSeconds: 120,
    containerdConfigPatches: [],
  });
  const upSeconds = seconds(start);
  start = performance.now();
  const config = new KubeConfig();
  config.loadFromFile(handle.kubeconfig);
  const api = config.makeApiClient(CoreV1Api);
  // The default ServiceAccount appears shortly after the control plane; pods wait for it.
  while (!(await api.listNamespacedServiceAccount({ namespace: 'default' })).items.some((a) => a.metadata?.name === 'default')) await sleep(100);
  await api.createNamespacedPod({ namespace: 'default', body: pod });
  while ((await api.readNamespacedPod({ name: 'first', namespace: 'default' })).status?.phase !== 'Running') await sleep(100);
  const firstPodRunningSeconds = seconds(start);
  start = performance.now();
  const teardown = await provider.down(name);
  results.push({ upSeconds, firstPodRunningSeconds, downSeconds: seconds(start), leftovers: teardown.leftovers });
  log(`round ${round}: up ${upSeconds} s, first pod Running ${firstPodRunningSeconds} s, down ${results.at(-1)!.downSeconds} s`);
}
await runCommand('docker', ['rmi', '-f', benchTag]);

const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
const summary = {
  rounds,
  loadAverage: load,
  builds,
  upSeconds: median(results.map((r) => r.upSeconds)),
  firstPodRunningSeconds: median(results.map((r) => r.firstPodRunningSeconds)),
  downSeconds: median(results.map((r) => r.downSeconds)),
  results,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/kind-cluster.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
const rows = results.map(
  (r, i) => `| ${i + 1} | ${r.upSeconds} | ${r.firstPodRunningSeconds} | ${r.downSeconds} | ${r.leftovers.length ? r.leftovers.join(', ') : 'none'} |`,
);
const build = (b: { seconds: number; built: boolean } | undefined) => (b ? `${b.seconds} s${b.built ? '' : ' (reused)'}` : 'not measured (BENCH_KIND_COLD=0)');
writeFileSync(
  new URL('./results/kind-cluster.md', import.meta.url),
  `# kind: node image builds, cluster up, first pod, teardown

\`npm run bench\` (bench/kind-cluster.ts): podchurn's offline node image (Kubernetes ${DEFAULT_KUBERNETES_VERSION}, ${pins.containerd}, ${pins.runc}),
kind v0.30.0, Docker 20.10 (Debian's docker.io). Every runtime-store key already built (docs/RUNTIMES.md has those
times). Load average at the end: ${load} (2 cores; other work may share the machine).

| node image build | seconds |
|---|---|
| cold: debootstrap'd base, control-plane images, docker build, verification | ${build(builds.cold)} |
| new pins (containerd 1.7.15) over the cached base | ${build(builds.newPins)} |
| warm: same inputs, image reused | ${build(builds.warm)} |

| round | cluster up s (kind create + image loads + pin check) | up -> first pod Running s | teardown s | left behind |
|---|---|---|---|---|
${rows.join('\n')}

Medians: \`cluster up --provider kind\` with the prebuilt image **${summary.upSeconds} s**, first pod Running **${summary.firstPodRunningSeconds} s**
after that, teardown **${summary.downSeconds} s** (containers, volumes and kind's network gone).
`,
);
