/**
 * What the node agent (target.kube.nodeAgent) costs a run: kube scenarios on one local cluster attached as
 * `existing`, rounds alternated without and with the agent (its DaemonSet deployed, its versions report
 * awaited, containerd's log lines read, containerd's timers scraped through it at the cell's start and end,
 * the DaemonSet removed). Two cells: a short one (20 pods x 2 cycles,
 * about 20 s), where the agent's fixed cost per run weighs most, and one of the seed scenario's cells
 * (scenarios/seed-repro.yaml: 50 pods x 2 cycles in one batch, exec probes every second, hold 10 s, grace 30 s).
 * Per run: wall time of the whole `podchurn run` process (spawn to exit, so the agent's deploy and removal
 * are in it), the cell's own (cell-start to cell-end events), and the process's CPU (user + system, from this
 * process's reaped-children counters).
 * Writes bench/results/node-agent-overhead.{md,json}.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

interface Cell {
  name: string;
  description: string;
  fields: Record<string, unknown>;
}

const cells: Cell[] = [
  {
    name: 'short',
    description: '20 pods x 2 cycles, batch 10, concurrency 10, hold 1 s, grace 1 s (SIGTERM handled)',
    fields: { pods: 20, cycles: 2, batchSize: 10, concurrency: 10, holdSeconds: 1, gracePeriodSeconds: 1 },
  },
  {
    name: 'seed',
    description: "seed-repro's cell: 50 pods x 2 cycles, batch 50, concurrency 50, hold 10 s, grace 30 s (SIGTERM handled), exec probe `date` every 1 s",
    fields: {
      pods: 50,
      cycles: 2,
      batchSize: 50,
      concurrency: 50,
      holdSeconds: 10,
      gracePeriodSeconds: 30,
      slackSeconds: 10,
      execProbe: { enabled: true, periodMs: 1000, timeoutSeconds: 1, command: ['date'] },
    },
  },
];

function scenario(kubeconfig: string, cell: Cell, agent: boolean): string {
  const file = join(work, `${cell.name}-agent-${agent ? 'on' : 'off'}.yaml`);
  const kube = agent
    ? {
        nodeAgent: true,
        nodeAgentCriSocket: layout.containerdSocket,
        nodeAgentLogFiles: { containerd: join(layout.logDir, 'containerd.log') },
        // The local cluster's containerd serves its metrics on a loopback port, as most nodes' do.
        nodeAgentContainerdMetrics: (JSON.parse(readFileSync(layout.stateFile, 'utf8')) as { containerdMetrics: string }).containerdMetrics,
      }
    : {};
  writeFileSync(
    file,
    toYaml({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name: `${cell.name}-agent-${agent ? 'on' : 'off'}` },
      target: { type: 'kube', kube: { kubeconfig, qps: 50, burst: 50, ...kube } },
      cluster: { provider: 'existing' },
      requestTimeoutSeconds: 30,
      workload: { onSigterm: 'exit' },
      ...cell.fields,
    }),
  );
  return file;
}

const up = await podchurn(['cluster', 'up', '--provider', 'local', '--name', name, '--containerd', containerd, '--runc', runc]);
if (up.code !== 0) throw new Error(`cluster up failed:\n${up.stderr}`);
const kubeconfig = up.stdout.trim();
const rows: { cell: string; agent: boolean; wallS: number; cellS: number; cpuS: number; deletionP50Ms: number; deletionP95Ms: number; stuck: number }[] = [];

/** The run's deletion latency (summary.json), which the agent must not move while it watches, and the cell's own wall time. */
function measured(reports: string): { deletion: { p50: number; p95: number }; cellS: number; stuck: number } {
  const [runDir] = readdirSync(reports);
  const summary = JSON.parse(readFileSync(join(reports, runDir!, 'summary.json'), 'utf8')) as {
    cells: { deletionLatencyMs: { p50: number; p95: number }; outcomes: { stuck: number } }[];
  };
  const events = readFileSync(join(reports, runDir!, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; mono: number });
  const at = (kind: string) => events.find((event) => event.kind === kind)!.mono;
  const [cell] = summary.cells;
  return { deletion: cell!.deletionLatencyMs, cellS: (at('cell-end') - at('cell-start')) / 1000, stuck: cell!.outcomes.stuck };
}
/** The 1-minute load average after each run: the machine is shared, and a busy neighbour shows here. */
const loads: number[] = [];
try {
  const archive = await podchurn(['image', 'node-agent']);
  const imported = await run('ctr', ['--address', layout.containerdSocket, '--namespace', 'k8s.io', 'images', 'import', archive.stdout.trim()]);
  if (imported.code !== 0) throw new Error(`importing the agent image failed:\n${imported.stderr}`);
  for (const cell of cells) {
    for (let round = 1; round <= rounds; round++) {
      for (const agent of [false, true]) {
        const reports = join(work, `reports-${cell.name}-${round}-${agent ? 'on' : 'off'}`);
        const result = await podchurn(['run', scenario(kubeconfig, cell, agent), '--reports-dir', reports]);
        if (result.code !== 0) throw new Error(`${cell.name} run (agent ${agent}) exited ${result.code}:\n${result.stderr}`);
        const { deletion, cellS, stuck } = measured(reports);
        rows.push({
          cell: cell.name,
          agent,
          wallS: round2(result.wallS),
          cellS: round2(cellS),
          cpuS: round2(result.cpuS),
          deletionP50Ms: deletion.p50,
          deletionP95Ms: deletion.p95,
          stuck,
        });
        loads.push(round2(loadavg()[0]!));
        process.stderr.write(
          `${cell.name} round ${round}/${rounds}, agent ${agent ? 'on' : 'off'}: wall ${round2(result.wallS)} s, CPU ${round2(result.cpuS)} s\n`,
        );
      }
    }
  }
} finally {
  await podchurn(['cluster', 'down', '--provider', 'local', '--name', name]);
}

/** A run's deletion latency, and its stuck pods where it had any (the node overloaded: a run to tell apart, not a cost). */
const deletionOf = (row: (typeof rows)[number]) => `${row.deletionP50Ms} / ${row.deletionP95Ms}${row.stuck ? ` (${row.stuck} stuck)` : ''}`;
const byCell = cells.map((cell) => {
  const of = (agent: boolean) => rows.filter((row) => row.cell === cell.name && row.agent === agent);
  const wall = (agent: boolean) => median(of(agent).map((r) => r.wallS));
  const cellWall = (agent: boolean) => median(of(agent).map((r) => r.cellS));
  const cpu = (agent: boolean) => median(of(agent).map((r) => r.cpuS));
  return {
    cell: cell.name,
    workload: cell.description,
    withoutWallS: of(false).map((r) => r.wallS),
    withWallS: of(true).map((r) => r.wallS),
    withoutCellS: of(false).map((r) => r.cellS),
    withCellS: of(true).map((r) => r.cellS),
    withoutCpuS: of(false).map((r) => r.cpuS),
    withCpuS: of(true).map((r) => r.cpuS),
    wallRatio: round2(wall(true) / wall(false)),
    cpuRatio: round2(cpu(true) / cpu(false)),
    wallAddedS: round2(wall(true) - wall(false)),
    cellRatio: round2(cellWall(true) / cellWall(false)),
    withoutDeletionMs: of(false).map(deletionOf),
    withDeletionMs: of(true).map(deletionOf),
  };
});
const results = {
  date: new Date().toISOString(),
  cluster: `local cluster ${name} (${containerd}, ${runc}) attached as existing`,
  common: 'qps/burst 50, requestTimeoutSeconds 30',
  rounds,
  loadAverage: { min: Math.min(...loads), max: Math.max(...loads) },
  cells: byCell,
};
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value}`;
const verdict = (ratio: number, limit: number) => (ratio <= limit ? 'met' : 'not met');
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/node-agent-overhead.json', `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(
  'bench/results/node-agent-overhead.md',
  [
    "# The node agent's cost (target.kube.nodeAgent)",
    '',
    `Measured ${results.date} by \`node --import tsx bench/node-agent-overhead.ts\` on a ${results.cluster} (2 cores, shared); ${results.common}.`,
    `${rounds} rounds per cell, each a run without and a run with the agent (containerd's log read and its timers scraped through it too), alternated; ` +
      `1-minute load average after each run ${results.loadAverage.min}–${results.loadAverage.max} (the seed cell's probes load the machine themselves).`,
    'Wall = the `podchurn run` process from spawn to exit (the agent deployed, awaited, read and removed within it); ' +
      'cell = its cell-start to cell-end events; ' +
      'CPU = that process, user + system.',
    "Deletion latency = the run's own measurement (summary.json), which the agent, a process on the node during the churn, must not move.",
    'Targets (issue: a cell with the agent on is no more than 5 % slower and uses no more than 10 % more client CPU).',
    '',
    '| cell | | wall per run (s) | cell per run (s) | podchurn CPU per run (s) | deletion latency p50 / p95 per run (ms) |',
    '|---|---|---|---|---|---|',
    ...byCell.flatMap((c) => [
      `| ${c.cell}: ${c.workload} | without the agent | ${c.withoutWallS.join(', ')} | ${c.withoutCellS.join(', ')} | ${c.withoutCpuS.join(', ')} | ` +
        `${c.withoutDeletionMs.join(', ')} |`,
      `| | with the agent | ${c.withWallS.join(', ')} | ${c.withCellS.join(', ')} | ${c.withCpuS.join(', ')} | ${c.withDeletionMs.join(', ')} |`,
    ]),
    '',
    ...byCell.map(
      (c) =>
        `- ${c.cell}: median ratios with / without: wall **${c.wallRatio}** (${signed(c.wallAddedS)} s; ${verdict(c.wallRatio, 1.05)}), ` +
        `cell **${c.cellRatio}** (${verdict(c.cellRatio, 1.05)}), ` +
        `CPU **${c.cpuRatio}** (${verdict(c.cpuRatio, 1.1)}).`,
    ),
    '',
  ].join('\n'),
);
process.stdout.write(readFileSync('bench/results/node-agent-overhead.md', 'utf8'));
