/**
 * What subscribing to the runtime's exit events (CRI GetContainerEvents, the stop waterfall) costs:
 * the direct loop of podchurn's CRI calls, alternated without and with a ContainerExitWatch that
 * tracks every container and records each exit event into a real events.jsonl, on one managed
 * containerd that serves the stream. Wall time and this process's CPU per round.
 * Writes bench/results/exit-stream-overhead.{md,json}.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directLoop } from './direct-loop.js';
import { CellSettingsSchema, ContainerExitWatch, CriClient, EventLog, monotonicClock, openCriSession, parseEventLines } from '../src/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const pods = Number(process.env.BENCH_PODS ?? 100);
const batchSize = 20;
const containerd = process.env.BENCH_CONTAINERD ?? '1.7.22';
const runc = process.env.BENCH_RUNC ?? '1.1.14';
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-exit-stream-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Round {
  wallMs: number;
  cpuMs: number;
  exitEvents: number;
}

async function main(): Promise<void> {
  const settings = CellSettingsSchema.parse({ runtime: { containerd, runc } });
  const session = await openCriSession(settings, `bench-${process.pid}`, 1, work);
  const client = new CriClient(session.record.endpoint);
  const loop = (tag: string, onContainer?: (pod: string, containerId: string) => void) =>
    directLoop(client, { pods, batchSize, grace: 2, image: session.workloadImage, cgroupParent: session.cgroupParent, tag }, onContainer);
  const without: Round[] = [];
  const withStream: Round[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      let cpu = process.cpuUsage();
      const plainMs = await loop(`plain-r${round}`);
      const plainCpu = process.cpuUsage(cpu);
      without.push({ wallMs: plainMs, cpuMs: plainCpu.user / 1000 + plainCpu.system / 1000, exitEvents: 0 });
      const file = join(work, `events-r${round}.jsonl`);
      const events = new EventLog(file, monotonicClock());
      const watch = new ContainerExitWatch(client, events, session.record.instance);
      cpu = process.cpuUsage();
      watch.start();
      let streamMs: number;
      try {
        streamMs = await loop(`stream-r${round}`, (pod, containerId) => watch.track(containerId, { pod, cell: 'bench', rep: 1, cycle: 1, replica: 0 }));
      } finally {
        watch.close();
      }
      const used = process.cpuUsage(cpu);
      await events.close();
      const exitEvents = parseEventLines(readFileSync(file, 'utf8')).filter((e) => e.kind === 'exit-event').length;
      withStream.push({ wallMs: streamMs, cpuMs: used.user / 1000 + used.system / 1000, exitEvents });
      process.stderr.write(
        `round ${round + 1}/${rounds}: without ${without.at(-1)!.wallMs.toFixed(0)} ms, with the ` +
          `stream ${streamMs.toFixed(0)} ms (${exitEvents} exit events)\n`,
      );
    }
  } finally {
    client.close();
    await session.close();
  }
  const wallRatio = median(withStream.map((r) => r.wallMs)) / median(without.map((r) => r.wallMs));
  const cpuRatio = median(withStream.map((r) => r.cpuMs)) / median(without.map((r) => r.cpuMs));
  const round1 = (v: number) => Math.round(v);
  const results = {
    date: new Date().toISOString(),
    runtime: `${session.record.cri.runtimeName} ${session.record.cri.runtimeVersion}, runc ${session.record.measured?.runc}`,
    workload: `${pods} SIGTERM-handling pods, batch ${batchSize}, concurrency ${batchSize}, grace 2 s, hold 0, direct loop of podchurn's CRI calls`,
    rounds,
    withoutWallMs: without.map((r) => round1(r.wallMs)),
    withWallMs: withStream.map((r) => round1(r.wallMs)),
    withoutCpuMs: without.map((r) => round1(r.cpuMs)),
    withCpuMs: withStream.map((r) => round1(r.cpuMs)),
    exitEvents: withStream.map((r) => r.exitEvents),
    wallRatio: Math.round(wallRatio * 1000) / 1000,
    cpuRatio: Math.round(cpuRatio * 1000) / 1000,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/exit-stream-overhead.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    'bench/results/exit-stream-overhead.md',
    [
      "# The exit-event stream's cost (stop waterfall)",
      '',
      `Measured ${results.date} by \`node --import tsx bench/exit-stream-overhead.ts\` on ${results.runtime} (2 cores, shared).`,
      `Workload: ${results.workload}; alternated without and with a GetContainerEvents subscription recording each exit event into ` +
        `events.jsonl, ${rounds} rounds on one managed containerd.`,
      'Wall time = first RunPodSandbox sent -> last RemovePodSandbox returned; CPU = this process, user + system.',
      '',
      '| | wall per round (ms) | client CPU per round (ms) | exit events recorded |',
      '|---|---|---|---|',
      `| without the stream | ${results.withoutWallMs.join(', ')} | ${results.withoutCpuMs.join(', ')} | - |`,
      `| with the stream | ${results.withWallMs.join(', ')} | ${results.withCpuMs.join(', ')} | ${results.exitEvents.join(', ')} |`,
      '',
      `Median ratios with / without: wall **${results.wallRatio}**, client CPU **${results.cpuRatio}**.`,
      '',
    ].join('\n'),
  );
  process.stdout.write(readFileSync('bench/results/exit-stream-overhead.md', 'utf8'));
}

await main();
