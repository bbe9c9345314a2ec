#!/usr/bin/env node
/**
 * Runs the bundled CLI, dist/podchurn.cjs (scripts/bundle.sh), with Node's module compile cache on:
 * the second start and later skip compiling what the first compiled (bench/results/cli-start-up.md).
 * Refuses, with what to do, a Node older than the package's engines: node:sqlite and the compile cache
 * need 22.13, undici 8 (the HTTP client of @kubernetes/client-node 2.x) 22.19.
 */
import module, { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`podchurn needs Node.js 22.19 or later (24 LTS is its baseline); this is ${process.version}.\n`);
  process.exit(3);
}

// Memory over speed: podchurn shares its node with the runtime under test, and V8's default heap growth
// let a 5,000-pod run's garbage pile up to 256 MB peak RSS before a full collection (146 MB with this
// flag, for 10 % more CPU; 10,000 pods: 189 instead of 422 MB, for 34 % more). Set before the bundle is
// compiled.
// `report` is the exception: it re-analyses a finished run, with no runtime beside it, and on a run of
// 100,000 pods the collector's work under this flag more than doubled its time (bench/report-end-to-end.ts).
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
if (command !== 'report') setFlagsFromString('--optimize-for-size');

module.enableCompileCache();
createRequire(import.meta.url)('../dist/podchurn.cjs');
