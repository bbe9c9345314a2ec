/**
 * The local provider's speed: `cluster up` with every binary cached (warm), the time from a ready
 * cluster to the first pod Running, and teardown, over a few rounds. The cold figure (nothing built
 * yet) is the runtime-store build times in docs/RUNTIMES.md plus one warm up; it is not repeated here.
 * Writes bench/results/local-cluster.{md,json}.
 */
import { loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { coreApi, DEFAULT_KUBERNETES_VERSION, LocalProvider, sleep, WORKLOAD_IMAGE } from '../src/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const name = 'pc-bench';
const seconds = (from: number) => Math.round((performance.now() - from) / 100) / 10;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

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

interface Round {
  upSeconds: number;
  phases: Record<string, number>;
  firstPodRunningSeconds: number;
  downSeconds: number;
  leftovers: string[];
}

const provider = new LocalProvider();
const results: Round[] = [];
for (let round = 1; round <= rounds; round++) {
  let start = performance.now();
  const handle = await provider.up({
    provider: 'local',
    name,
    kubernetes: DEFAULT_KUBERNETES_VERSION,
    containerd: 'system',
    runc: 'system',
    runtimeRequestTimeoutSeconds: 120,
    containerdConfigPatches: [],
  });
  const upSeconds = seconds(start);
  start = performance.now();
  const api = coreApi(handle.kubeconfig);
  await api.createNamespacedPod({ namespace: 'default', body: pod });
  while ((await api.readNamespacedPod({ name: 'first', namespace: 'default' })).status?.phase !== 'Running') await sleep(100);
  const firstPodRunningSeconds = seconds(start);
  start = performance.now();
  const teardown = await provider.down(name);
  results.push({ upSeconds, phases: handle.state.timings, firstPodRunningSeconds, downSeconds: seconds(start), leftovers: teardown.leftovers });
  process.stderr.write(
    `local cluster round ${round}: up ${upSeconds} s, first pod Running ${firstPodRunningSeconds} s, down ${results.at(-1)!.downSeconds} s\n`,
  );
}

const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
const summary = {
  rounds,
  loadAverage: load,
  warmUpSeconds: median(results.map((r) => r.upSeconds)),
  firstPodRunningSeconds: median(results.map((r) => r.firstPodRunningSeconds)),
  downSeconds: median(results.map((r) => r.downSeconds)),
  results,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/local-cluster.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
const rows = results.map(
  (r, i) =>
    `| ${i + 1} | ${r.upSeconds} | ${r.phases.controlPlane} ` +
    `| ${r.phases.runtime} | ${r.phases.node} | ${r.firstPodRunningSeconds} | ${r.downSeconds} | ${r.leftovers.length ? r.leftovers.join(', ') : 'none'} |`,
);
writeFileSync(
  new URL('./results/local-cluster.md', import.meta.url),
  `# Local cluster: warm up, first pod, teardown

\`npm run bench\` (bench/local-cluster.ts), ${rounds} rounds, Kubernetes ${DEFAULT_KUBERNETES_VERSION} and the system containerd/runc, every
binary already in the runtime store. Load average at the end: ${load} (2 cores; other work may share the machine).

| round | cluster up s | control plane s | runtime s | node Ready s | up -> first pod Running s | teardown s | left behind |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Medians: warm \`cluster up\` **${summary.warmUpSeconds} s** (target < 60 s), first pod Running **${summary.firstPodRunningSeconds} s** after
that, teardown **${summary.downSeconds} s**. Cold (nothing built yet) adds the one-time runtime-store builds listed in
docs/RUNTIMES.md (Kubernetes 1.34.4: about 20 minutes on this machine class; a pinned containerd 4-5 minutes).
`,
);
