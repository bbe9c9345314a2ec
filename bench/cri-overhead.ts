/**
 * podchurn vs a minimal direct loop of the same CRI calls, alternated on one managed containerd,
 * plus podchurn's peak RSS for a 1,000-pod cycle. Writes bench/results/cri-overhead.{md,json}.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliSamplingPeakRss } from './cli-peak-rss.js';
import { directLoop } from './direct-loop.js';
import { CellSettingsSchema, CriClient, isPodEvent, openCriSession, parseEventLines, runScenario } from '../src/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const pods = 200;
const batchSize = 20;
const rssPods = Number(process.env.BENCH_RSS_PODS ?? 1000);
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function scenarioFile(name: string, fields: Record<string, unknown>): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name },
      holdSeconds: 0,
      gracePeriodSeconds: 2,
      workload: { onSigterm: 'exit' },
      ...fields,
    }),
  );
  return file;
}

async function podchurnOnce(endpoint: string): Promise<number> {
  const file = scenarioFile('bench', { target: { type: 'cri', endpoint }, pods, batchSize, concurrency: batchSize });
  const { dir } = await runScenario({ scenarioFile: file, overrides: [], reportsDir: join(work, 'reports'), signal: new AbortController().signal });
  const events = parseEventLines(readFileSync(join(dir.path, 'events.jsonl'), 'utf8'));
  const podEvents = events.filter(isPodEvent);
  // Churn wall time: first create sent to last pod gone, the same span the direct loop times.
  return podEvents.filter((e) => e.kind === 'gone').at(-1)!.mono - podEvents.find((e) => e.kind === 'create-sent')!.mono;
}

/** Runs the CLI on a 1,000-pod cycle and samples its VmHWM (peak RSS) until it exits. */
async function peakRss(): Promise<{ peakMb: number; wallS: number; exitCode: number | null }> {
  const file = scenarioFile('rss', { pods: rssPods, batchSize: 50, concurrency: 50, requestTimeoutSeconds: 120 });
  const { peakKb, exitCode, wallMs } = await runCliSamplingPeakRss(['run', file, '--reports-dir', join(work, 'reports')]);
  return { peakMb: Math.round(peakKb / 102.4) / 10, wallS: Math.round(wallMs / 100) / 10, exitCode };
}

async function main(): Promise<void> {
  const settings = CellSettingsSchema.parse({});
  const session = await openCriSession(settings, `bench-${process.pid}`, 1, work);
  const client = new CriClient(session.record.endpoint);
  const direct: number[] = [];
  const podchurn: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      direct.push(await directLoop(client, { pods, batchSize, grace: 2, image: session.workloadImage, cgroupParent: session.cgroupParent, tag: `r${round}` }));
      podchurn.push(await podchurnOnce(session.record.endpoint));
      process.stderr.write(`round ${round + 1}/${rounds}: direct ${direct.at(-1)!.toFixed(0)} ms, podchurn ${podchurn.at(-1)!.toFixed(0)} ms\n`);
    }
  } finally {
    client.close();
    await session.close();
  }
  const rss = await peakRss();
  const ratio = median(podchurn) / median(direct);
  const results = {
    date: new Date().toISOString(),
    host: `${session.record.cri.runtimeName} ${session.record.cri.runtimeVersion}, runc ${session.record.measured?.runc}`,
    workload: `${pods} SIGTERM-handling pods, batch ${batchSize}, concurrency ${batchSize}, grace 2 s, hold 0`,
    rounds,
    directMs: direct.map(Math.round),
    podchurnMs: podchurn.map(Math.round),
    medianDirectMs: Math.round(median(direct)),
    medianPodchurnMs: Math.round(median(podchurn)),
    ratio: Math.round(ratio * 1000) / 1000,
    withinTenPercent: ratio <= 1.1,
    rss: { pods: rssPods, ...rss },
    rssUnder150Mb: rss.peakMb < 150,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/cri-overhead.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    'bench/results/cri-overhead.md',
    [
      '# CRI churn: podchurn vs a direct loop of the same calls',
      '',
      `Measured ${results.date} by \`npm run bench\` on ${results.host} (2 cores).`,
      `Workload: ${results.workload}; alternated direct, podchurn, ${rounds} rounds on one managed containerd.`,
      'Wall time = first create sent -> last pod gone.',
      '',
      '| | round times (ms) | median (ms) |',
      '|---|---|---|',
      `| direct loop (no recording) | ${results.directMs.join(', ')} | ${results.medianDirectMs} |`,
      `| podchurn (events, probes off, per-pod timelines) | ${results.podchurnMs.join(', ')} | ${results.medianPodchurnMs} |`,
      '',
      `Ratio podchurn / direct: **${results.ratio}** (target <= 1.10: ${results.withinTenPercent ? 'met' : 'NOT met'}).`,
      '',
      `Peak RSS of \`podchurn run\` for ${rssPods} pods in one cycle (batch 50): ` +
        `**${rss.peakMb} MB** (target < 150 MB: ${results.rssUnder150Mb ? 'met' : 'NOT met'}); that run took ${rss.wallS} s and exited ${rss.exitCode}.`,
      '',
    ].join('\n'),
  );
  process.stdout.write(readFileSync('bench/results/cri-overhead.md', 'utf8'));
}

await main();
