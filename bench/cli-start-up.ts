/**
 * The CLI's start-up: how a cache of compiled code shortens `podchurn validate` (module initialisation,
 * argument parsing, scenario loading: what every command pays before its work). Side by side in one
 * run, rounds alternating, on the bundle this tree builds (dist/podchurn.cjs) and the Node running the bench:
 *
 * - `v8-code-cache`: a launcher that runs the bundle through vm.Script with V8 cached data written after a
 *   `validate` (what bin/podchurn.js did before Node 22, kept here as the peer);
 * - `compile-cache`: Node's built-in module compile cache (module.enableCompileCache, Node 22.1+), warm;
 * - `no-cache`: the bundle required with no cache at all.
 *
 * CPU time (user + system) and wall time of each process come from GNU time. Writes
 * bench/results/cli-start-up.{json,md}.
 *
 *   npm run build && node --import tsx bench/cli-start-up.ts   (BENCH_ROUNDS, default 15)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'podchurn.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-start-up-'));
const command = ['validate', join(root, 'scenarios', 'quickstart.yaml')];

/** Each launcher is a small ES module that runs the same bundle its own way. */
const launchers = {
  'v8-code-cache': `
    import { existsSync, readFileSync, writeFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { dirname } from 'node:path';
    import { Script, constants } from 'node:vm';
    const bundle = ${JSON.stringify(bundle)};
    const cacheFile = ${JSON.stringify(join(work, 'v8.code-cache'))};
    const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
    const wrapped = '(function (exports, require, module, __filename, __dirname) {' + readFileSync(bundle, 'utf8') + '\\n})';
    const script = new Script(wrapped, { filename: bundle, cachedData, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
    if (!cachedData) process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
    const cjsModule = { exports: {} };
    script.runInThisContext()(cjsModule.exports, createRequire(bundle), cjsModule, bundle, dirname(bundle));`,
  'compile-cache': `
    import module, { createRequire } from 'node:module';
    module.enableCompileCache(${JSON.stringify(join(work, 'compile-cache'))});
    createRequire(import.meta.url)(${JSON.stringify(bundle)});`,
  'no-cache': `
    import { createRequire } from 'node:module';
    createRequire(import.meta.url)(${JSON.stringify(bundle)});`,
} as const;
type Variant = keyof typeof launchers;

interface Sample {
  wallS: number;
  cpuS: number;
  load1: number;
}

function runOnce(variant: Variant): Sample {
  const launcher = join(work, `${variant}.mjs`);
  const load1 = loadavg()[0]!;
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, launcher, ...command], { encoding: 'utf8', cwd: root });
  if (result.status !== 0) throw new Error(`${variant} failed (exit ${result.status}): ${result.stderr}`);
  const [wall, user, system] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wallS: wall!, cpuS: Math.round((user! + system!) * 100) / 100, load1: Math.round(load1 * 10) / 10 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const variants = Object.keys(launchers) as Variant[];
for (const variant of variants) {
  writeFileSync(join(work, `${variant}.mjs`), launchers[variant]);
  // The first run of each writes its cache; it is not measured.
  runOnce(variant);
}
const samples: Record<Variant, Sample[]> = { 'v8-code-cache': [], 'compile-cache': [], 'no-cache': [] };
for (let round = 0; round < rounds; round++) for (const variant of variants) samples[variant].push(runOnce(variant));

const rows = variants.map((variant) => ({
  variant,
  medianCpuS: median(samples[variant].map((s) => s.cpuS)),
  medianWallS: median(samples[variant].map((s) => s.wallS)),
  samples: samples[variant],
}));
const result = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, rounds, command: `podchurn ${command.join(' ')}`, rows };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/cli-start-up.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  new URL('./results/cli-start-up.md', import.meta.url),
  [
    '# CLI start-up: V8 code cache vs Node compile cache vs none',
    '',
    `Written by \`node --import tsx bench/cli-start-up.ts\` (part of \`npm run bench\`) ` +
      `on ${result.date.slice(0, 10)}: \`podchurn validate scenarios/quickstart.yaml\` through the bundle this tree ` +
      `builds, ${rounds} rounds alternating, Node ${process.version}, ${result.cpus} CPUs (load average per sample in the JSON).`,
    '',
    '| launcher | median CPU (user + sys) | median wall |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.variant} | ${r.medianCpuS.toFixed(2)} s | ${r.medianWallS.toFixed(2)} s |`),
    '',
  ].join('\n'),
);
process.stdout.write(`${rows.map((r) => `${r.variant}: CPU ${r.medianCpuS} s, wall ${r.medianWallS} s`).join('\n')}\n`);
