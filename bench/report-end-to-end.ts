/**
 * `podchurn report RUN_DIR` end to end on a run of 100,000 pods (1.1 M events), as a user re-analyses
 * a large run: the bundled CLI spawned on a synthesized run directory (test/helpers/synthetic-run.ts,
 * the same run as bench/report-render.ts), from process start to exit, reports and summary written.
 *
 * Side by side in one run: the CLI built from this tree and, as the baseline, the CLI built from
 * BENCH_REPORT_BASELINE (a git revision, default af83741: the tree before the report was made fast),
 * exported with `git archive` into a temporary directory and built there with the same scripts.
 * Rounds alternate the CLIs, so both see the same load on a shared machine. Wall time, CPU time (user + system) and peak RSS of each CLI
 * process come from GNU time, with the 1-minute load average when the sample started. The baseline's
 * outputs are compared too; report files changed by features added since it are listed, not failed.
 * Writes bench/results/report-end-to-end.{json,md}; exits 1 when the target (median wall time <= 3 s)
 * is missed.
 *
 *   npm run build && node --import tsx bench/report-end-to-end.ts
 *   (BENCH_ROUNDS, default 3; BENCH_PODS_PER_CELL, default 50000; BENCH_REPORT_BASELINE=none skips the baseline)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLargeRun } from './large-run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const podsPerCell = Number(process.env.BENCH_PODS_PER_CELL ?? 50_000);
const baselineRev = process.env.BENCH_REPORT_BASELINE ?? 'af83741';
const targetSeconds = 3;
const outputs = ['summary.json', 'report.md', 'report.html', 'junit.xml', 'findings.jsonl'];
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-report-e2e-'));

interface Sample {
  wallS: number;
  cpuS: number;
  rssMb: number;
  exitCode: number;
  load1: number;
}

/**
 * Exports a revision and builds its CLI with its own build scripts and its own dependencies: a revision from
 * before node:sqlite needs better-sqlite3, whose native binding is compiled here for the Node running the bench
 * (its headers come from that Node's own directory, as no prebuilt binary can be downloaded).
 */
function buildBaseline(rev: string): string {
  const dir = join(work, 'baseline');
  mkdirSync(dir);
  const archive = execFileSync('git', ['-C', root, 'archive', '--format=tar', rev], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, npm_config_nodedir: dirname(dirname(process.execPath)) },
  });
  // A revision may carry a type error from work in progress elsewhere; tsc still emits its JavaScript.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'ignore' });
  if (!existsSync(join(dir, 'dist', 'cli', 'main.js'))) throw new Error(`the baseline ${rev} did not compile`);
  execFileSync('bash', ['scripts/bundle.sh'], { cwd: dir, stdio: 'inherit' });
  return join(dir, 'bin', 'podchurn.js');
}

/** One `podchurn report` on a fresh copy of the run directory, measured by GNU time. */
function measure(bin: string, pristine: string, copy: string): Sample {
  rmSync(copy, { recursive: true, force: true });
  cpSync(pristine, copy, { recursive: true });
  const load1 = loadavg()[0]!;
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, bin, 'report', copy], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const figures = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  const [wallS, userS, sysS, rssKb] = figures as [number, number, number, number];
  if (figures.length !== 4 || figures.some(Number.isNaN)) throw new Error(`no GNU time figures from ${bin}: ${result.stderr}`);
  return { wallS, cpuS: userS + sysS, rssMb: rssKb / 1024, exitCode: result.status ?? -1, load1 };
}

/** Paths present in `current` only, or undefined when a value of `baseline` changed or went missing. */
function addedFields(baseline: unknown, current: unknown, path: string): string[] | undefined {
  if (typeof baseline !== 'object' || baseline === null || typeof current !== 'object' || current === null) {
    return JSON.stringify(baseline) === JSON.stringify(current) ? [] : undefined;
  }
  if (Array.isArray(baseline) !== Array.isArray(current)) return undefined;
  const before = baseline as Record<string, unknown>;
  const after = current as Record<string, unknown>;
  if (Array.isArray(baseline) && baseline.length !== (current as unknown[]).length) return undefined;
  const added: string[] = [];
  for (const key of Object.keys(after)) {
    const at = Array.isArray(baseline) ? `${path}[]` : `${path}.${key}`;
    if (!(key in before)) {
      if (!added.includes(at)) added.push(at);
      continue;
    }
    const nested = addedFields(before[key], after[key], at);
    if (nested === undefined) return undefined;
    for (const field of nested) if (!added.includes(field)) added.push(field);
  }
  return Object.keys(before).every((key) => key in after) ? added : undefined;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

try {
  const pristine = join(work, 'run');
  const synthesized = writeLargeRun(pristine, podsPerCell);
  const eventCount = synthesized.events;
  const eventBytes = readFileSync(join(pristine, 'events.jsonl')).length;
  const currentBin = join(root, 'bin', 'podchurn.js');
  if (!existsSync(join(root, 'dist', 'podchurn.cjs'))) throw new Error('dist/podchurn.cjs is missing: run npm run build first');
  const baselineBin = baselineRev === 'none' ? undefined : buildBaseline(baselineRev);
  const samples: { current: Sample[]; baseline: Sample[] } = { current: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    if (baselineBin) samples.baseline.push(measure(baselineBin, pristine, join(work, 'baseline-run')));
    samples.current.push(measure(currentBin, pristine, join(work, 'current-run')));
  }
  const differing = baselineBin
    ? outputs.filter((name) => !readFileSync(join(work, 'baseline-run', name)).equals(readFileSync(join(work, 'current-run', name))))
    : [];
  // summary.json may have gained fields from other work since the baseline: every field the baseline
  // wrote must still be there with the same value; the added ones are listed.
  const addedSummaryFields = differing.includes('summary.json')
    ? addedFields(
        JSON.parse(readFileSync(join(work, 'baseline-run', 'summary.json'), 'utf8')),
        JSON.parse(readFileSync(join(work, 'current-run', 'summary.json'), 'utf8')),
        '',
      )
    : [];
  const changed = differing.filter((name) => name !== 'summary.json' || addedSummaryFields === undefined);
  const sameAsBaseline = changed.length === 0;
  const summarise = (list: Sample[]) =>
    list.length === 0
      ? undefined
      : {
          medianWallS: median(list.map((s) => s.wallS)),
          medianCpuS: median(list.map((s) => s.cpuS)),
          peakRssMb: Math.max(...list.map((s) => s.rssMb)),
          exitCodes: [...new Set(list.map((s) => s.exitCode))],
          samples: list,
        };
  const current = summarise(samples.current)!;
  const baseline = summarise(samples.baseline);
  const ok = current.medianWallS <= targetSeconds;
  const result = {
    measuredAt: new Date().toISOString(),
    host: { platform: process.platform, arch: process.arch, node: process.version, cpus: cpus().length },
    run: { pods: podsPerCell * 2, events: eventCount, eventsJsonlBytes: eventBytes },
    command: 'node bin/podchurn.js report RUN_DIR',
    rounds,
    baselineRevision: baselineBin ? baselineRev : null,
    current,
    baseline: baseline ?? null,
    outputsIdenticalToBaseline: baselineBin ? sameAsBaseline : null,
    differingFromBaseline: changed,
    summaryFieldsAddedSinceBaseline: addedSummaryFields ?? null,
    targetWallS: targetSeconds,
    targetMet: ok,
  };
  const f = (n: number) => n.toFixed(2);
  const row = (name: string, s: NonNullable<typeof baseline>) =>
    `| ${name} | ${f(s.medianWallS)} s | ${f(s.medianCpuS)} s ` +
    `| ${s.peakRssMb.toFixed(0)} MB | ${s.samples.map((x) => `${f(x.wallS)}/${f(x.cpuS)}`).join(', ')} ` +
    `| ${s.samples.map((x) => x.load1.toFixed(1)).join(', ')} |`;
  const lines = [
    '# `podchurn report` end to end on 100,000 pods',
    '',
    `Written by \`node --import tsx bench/report-end-to-end.ts\` (part of \`npm run bench\`) ` +
      `on ${result.measuredAt.slice(0, 10)}: ${(podsPerCell * 2).toLocaleString('en')} ` +
      `pods, ${eventCount.toLocaleString('en')} events ` +
      `(${(eventBytes / 1e6).toFixed(0)} MB events.jsonl), synthesized by test/helpers/synthetic-run.ts. Each sample spawns \`node bin/podchurn.js report ` +
      `RUN_DIR\` on a fresh copy of the run directory and is measured by GNU time from process start to exit (analysis, summary.json, findings.jsonl, ` +
      `report.md, report.html, junit.xml written). ` +
      `Host: ${result.host.platform} ${result.host.arch}, ${result.host.cpus} CPUs shared with other work (load average per sample in the last column), ` +
      `Node ${process.version}.`,
    '',
    `Side by side in the same bench run, rounds alternating: the CLI of this tree and the CLI built ` +
      `from ${baselineBin ? `revision ${baselineRev} (before the report was made fast)` : '(no baseline)'}. CPU time is user + system.`,
    '',
    '| CLI | median wall | median CPU (user + sys) | peak RSS | samples wall/CPU s | load average (1 min) |',
    '|---|---:|---:|---:|---|---|',
    ...(baseline ? [row(`baseline ${baselineRev}`, baseline)] : []),
    row('this tree', current),
    '',
    `Outputs the same as the baseline's: ${
      baselineBin
        ? sameAsBaseline
          ? `yes ` +
            `(${outputs.filter((name) => !differing.includes(name)).join(', ')} ` +
            `byte-identical${
              addedSummaryFields?.length
                ? `; summary.json holds every baseline field unchanged, plus ${addedSummaryFields.join(', ')} added since by other work`
                : ''
            })`
          : `no: ${changed.join(', ')} changed by features added ` +
            `since ${baselineRev}${addedSummaryFields?.length ? ` (summary.json: every baseline field unchanged, plus ${addedSummaryFields.join(', ')})` : ''}`
        : 'not checked (no ' + 'baseline)'
    }. Exit code ${current.exitCodes.join('/')} (the run's gates fail by design: one cell has stuck pods).`,
    `Target: median wall time <= ${targetSeconds} s: ${ok ? 'met' : 'MISSED'}.`,
    '',
  ];
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/report-end-to-end.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(new URL('./results/report-end-to-end.md', import.meta.url), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
