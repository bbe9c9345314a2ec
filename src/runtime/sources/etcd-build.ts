import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.js';
import type { VersionProbe } from '../version-probe.js';
import {
  downloadModule,
  goEnvironment,
  goVersion,
  prepareWrapperModule,
  runGo,
  secondsSince,
  wrapperModuleGoMod,
  type BuildOrigin,
  type GoBuildOptions,
  type WrapperModule,
} from './go-build.js';

/**
 * Builds etcd from the Go module proxy. Since v3.5 the etcd server's `package main` is the root of
 * go.etcd.io/etcd/server/v3. `go install` cannot build it: its go.mod replaces the sibling modules
 * (api, client/pkg, client/v3, pkg) with ../ paths, and go install refuses a module with replace
 * directives. A wrapper module that requires it ignores those replaces and resolves each sibling
 * to its published version of the same tag.
 */
export const etcdModule = 'go.etcd.io/etcd/server/v3';
export const etcdCommands = ['etcd'] as const;

/** `etcd Version: 3.6.5` -> `3.6.5`. The number is a constant in go.etcd.io/etcd/api/v3/version, so it cannot be stamped wrong. */
export function parseEtcdVersion(output: string): string | undefined {
  return /^etcd Version:\s+v?(\S+)/m.exec(output)?.[1];
}

export const etcdVersionProbes: Record<(typeof etcdCommands)[number], VersionProbe> = {
  etcd: { args: ['--version'], parse: parseEtcdVersion },
};

/**
 * The wrapper module. It repeats upstream's `go` line because the main module's go version sets
 * the binary's GODEBUG defaults: the wrapper must behave as etcd built from its own tree does.
 */
export function etcdWrapper(version: string, upstreamGoMod: string): WrapperModule {
  const goLine = /^go\s+\S+$/m.exec(upstreamGoMod)?.[0];
  if (!goLine) throw new InfrastructureError(`${etcdModule}@v${version}'s go.mod has no go line; cannot build it through a wrapper module.`);
  return { name: 'etcd', goLine, godebug: upstreamGoMod.match(/^godebug\s+\S+=\S+$/gm) ?? [], module: etcdModule, version, imports: [etcdModule] };
}

/** The wrapper's go.mod text. */
export function etcdWrapperGoMod(version: string, upstreamGoMod: string): string {
  return wrapperModuleGoMod(etcdWrapper(version, upstreamGoMod));
}

/** Builds `etcd` into `options.outDir` with CGO_ENABLED=0 (a static binary for a scratch image). */
export async function buildEtcd(version: string, options: GoBuildOptions): Promise<BuildOrigin> {
  const env = await goEnvironment(options.cacheRoot);
  options.onProgress?.(`resolving ${etcdModule}@v${version} through the Go module proxy`);
  let started = performance.now();
  const module = await downloadModule(etcdModule, version, env);
  if (!module.GoMod) throw new InfrastructureError(`go mod download returned no go.mod for ${etcdModule}@v${version}`);
  const workDir = await prepareWrapperModule(options.cacheRoot, etcdWrapper(version, await readFile(module.GoMod, 'utf8')), env, options.onProgress);
  const resolveSeconds = secondsSince(started);

  await mkdir(options.outDir, { recursive: true });
  options.onProgress?.(`compiling etcd ${version} (CGO_ENABLED=0)`);
  started = performance.now();
  const commit = module.Origin?.Hash ?? `v${version}`;
  // etcd's own build stamps the short commit the same way; without it `etcd --version` says "Not provided".
  const ldflags = `-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${commit.slice(0, 8)}`;
  // An explicit output name: the package path ends in the major-version suffix, so go would call it "v3" or "server".
  await runGo(
    ['build', '-trimpath', '-ldflags', ldflags, '-o', join(options.outDir, 'etcd'), etcdModule],
    workDir,
    { ...env, CGO_ENABLED: '0' },
    options.onProgress,
  );
  return { module: etcdModule, commit, toolchain: await goVersion(env), resolveSeconds, compileSeconds: secondsSince(started) };
}
