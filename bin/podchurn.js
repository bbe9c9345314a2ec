#!/usr/bin/env node
/**
 * Runs the bundled CLI, dist/podchurn.cjs, from V8's code cache written beside it at build time
 * (scripts/bundle.sh): a script compiled with cached data skips parsing and compiling what the cache
 * holds, which saves about a third of the CLI's start-up. A cache V8 rejects (another Node version or
 * V8 flags) or none at all only costs that time: the bundle is then compiled as usual.
 *
 * The bundle runs as a CommonJS module would: the same wrapper, a `require` resolving from dist/.
 * PODCHURN_WRITE_CODE_CACHE=1 writes the cache when the process exits (with whatever it compiled by
 * then); PODCHURN_CODE_CACHE_REPORT=1 says on stderr whether the cache was used.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script, constants } from 'node:vm';

// Memory over speed: podchurn shares its node with the runtime under test, and V8's default heap growth
// let a 5,000-pod run's garbage pile up to 256 MB peak RSS before a full collection (146 MB with this
// flag, for 10 % more CPU; 10,000 pods: 189 instead of 422 MB, for 34 % more). Set before the bundle is
// compiled: the code cache is written with it too.
// `report` is the exception: it re-analyses a finished run, with no runtime beside it, and on a run of
// 100,000 pods the collector's work under this flag more than doubled its time (bench/report-end-to-end.ts).
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
if (command !== 'report') setFlagsFromString('--optimize-for-size');

const bundle = fileURLToPath(new URL('../dist/podchurn.cjs', import.meta.url));
const cacheFile = `${bundle}.code-cache`;
const writeCache = process.env.PODCHURN_WRITE_CODE_CACHE === '1';
const cachedData = !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;

// One line, so the bundle's line numbers in stack traces stay its own.
const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`;
const script = new Script(wrapped, { filename: bundle, cachedData, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
if (process.env.PODCHURN_CODE_CACHE_REPORT === '1') {
  const state = cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  process.stderr.write(`podchurn: code cache ${state}\n`);
}
if (writeCache) process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));

const cjsModule = { exports: {} };
script.runInThisContext()(cjsModule.exports, createRequire(bundle), cjsModule, bundle, dirname(bundle));
