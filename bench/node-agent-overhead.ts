/**
 * What the node agent (target.kube.nodeAgent) costs a run: the same small kube scenario on one local
 * cluster attached as `existing`, rounds alternated without and with the agent (its DaemonSet deployed,
 * its versions report awaited, containerd's log lines read, the DaemonSet removed). Per round: wall time
 * of the whole `podchurn run` process (spawn to exit, so the agent's deploy and removal are in it) and
 * its CPU (user + system, from this process's reaped-children counters).
 * Writes bench/results/node-agent-overhead.{md,json}.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { localClusterLayout } from '../src/cluster/providers/local/layout.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const name = 'pc-bench-agent';
const containerd = 'containerd@1.7.22';
const runc = 'runc@1.1.14';
const layout = localClusterLayout(name);
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-agent-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round2 = (value: number) => Math.round(value * 100) / 100;
/** Clock ticks per second of /proc's CPU counters (USER_HZ; 100 on Linux). */
const CLK_TCK = 100;

/** CPU seconds of this process's reaped children (cutime + cstime, /proc/self/stat fields 16-17). */
function childrenCpuS(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

async function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string; wallS: number; cpuS: number }> {
  const cpuBefore = childrenCpuS();
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (exitCode) => resolve(exitCode ?? -1)));
  return { code, stdout, stderr, wallS: (performance.now() - started) / 1000, cpuS: childrenCpuS() - cpuBefore };
}

const podchurn = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);

function scenario(kubeconfig: string, agent: boolean): string {
  const file = join(work, `agent-${agent ? 'on' : 'off'}.yaml`);
  const kube = agent
    ? { nodeAgent: true, nodeAgentCriSocket: layout.containerdSocket, nodeAgentLogFiles: { containerd: join(layout.logDir, 'containerd.log') } }
    : {};
  writeFileSync(
    file,
    toYaml({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name: `agent-${agent ? 'on' : 'off'}` },
      target: { type: 'kube', kube: { kubeconfig, qps: 50, burst: 50, ...kube } },
      cluster: { provider: 'existing' },
      pods: 20,
      cycles: 2,
      batchSize: 10,
      concurrency: 10,
      holdSeconds: 1,
      gracePeriodSeconds: 1,
      requestTimeoutSeconds: 30,
    }),
  );
  return file;
}

const up = await podchurn(['cluster', 'up', '--provider', 'local', '--name', name, '--containerd', containerd, '--runc', runc]);
if (up.code !== 0) throw new Error(`cluster up failed:\n${up.stderr}`);
const kubeconfig = up.stdout.trim();
const rows: { agent: boolean; wallS: number; cpuS: number }[] = [];
try {
  const archive = await podchurn(['image', 'node-agent']);
  const imported = await run('ctr', ['--address', layout.containerdSocket, '--namespace', 'k8s.io', 'images', 'import', archive.stdout.trim()]);
  if (imported.code !== 0) throw new Error(`importing the agent image failed:\n${imported.stderr}`);
  for (let round = 1; round <= rounds; round++) {
    for (const agent of [false, true]) {
      const result = await podchurn(['run', scenario(kubeconfig, agent), '--reports-dir', join(work, 'reports')]);
      if (result.code !== 0) throw new Error(`run (agent ${agent}) exited ${result.code}:\n${result.stderr}`);
      rows.push({ agent, wallS: round2(result.wallS), cpuS: round2(result.cpuS) });
      process.stderr.write(`round ${round}/${rounds}, agent ${agent ? 'on' : 'off'}: wall ${round2(result.wallS)} s, CPU ${round2(result.cpuS)} s\n`);
    }
  }
} finally {
  await podchurn(['cluster', 'down', '--provider', 'local', '--name', name]);
}

const of = (agent: boolean) => rows.filter((row) => row.agent === agent);
const results = {
  date: new Date().toISOString(),
  cluster: `local cluster ${name} (${containerd}, ${runc}) attached as existing`,
  workload: '20 pods x 2 cycles, batch 10, concurrency 10, hold 1 s, grace 1 s (SIGTERM handled), qps/burst 50',
  rounds,
  withoutWallS: of(false).map((r) => r.wallS),
  withWallS: of(true).map((r) => r.wallS),
  withoutCpuS: of(false).map((r) => r.cpuS),
  withCpuS: of(true).map((r) => r.cpuS),
  wallRatio: round2(median(of(true).map((r) => r.wallS)) / median(of(false).map((r) => r.wallS))),
  cpuRatio: round2(median(of(true).map((r) => r.cpuS)) / median(of(false).map((r) => r.cpuS))),
  wallAddedS: round2(median(of(true).map((r) => r.wallS)) - median(of(false).map((r) => r.wallS))),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/node-agent-overhead.json', `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(
  'bench/results/node-agent-overhead.md',
  [
    "# The node agent's cost (target.kube.nodeAgent)",
    '',
    `Measured ${results.date} by \`node --import tsx bench/node-agent-overhead.ts\` on a ${results.cluster} (2 cores, shared).`,
    `Workload: ${results.workload}; ${rounds} rounds, each a run without and a run with the agent (containerd's log read too).`,
    'Wall = the `podchurn run` process from spawn to exit (the agent deployed, awaited, read and removed within it); CPU = that process, user + system.',
    '',
    '| | wall per run (s) | podchurn CPU per run (s) |',
    '|---|---|---|',
    `| without the agent | ${results.withoutWallS.join(', ')} | ${results.withoutCpuS.join(', ')} |`,
    `| with the agent | ${results.withWallS.join(', ')} | ${results.withCpuS.join(', ')} |`,
    '',
    `Median ratios with / without: wall **${results.wallRatio}** (+${results.wallAddedS} s), CPU **${results.cpuRatio}**.`,
    '',
  ].join('\n'),
);
process.stdout.write(readFileSync('bench/results/node-agent-overhead.md', 'utf8'));
