import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.js';
import { runCommand, whichProgram } from '../../util/exec.js';

/**
 * What every build from the Go module proxy shares (machines without internet access to release
 * downloads): the Go environment, module downloads, wrapper modules. GOMODCACHE and GOCACHE live in
 * the podchurn cache, so a second build of the same key takes seconds and an interrupted build
 * resumes where it stopped.
 */
export interface GoBuildOptions {
  cacheRoot: string;
  /** Where the built executables go. */
  outDir: string;
  onProgress?: (line: string) => void;
}

/** containerd's own go.mod excludes this version; a wrapper module must repeat the exclude or resolution fails. */
export const containerdExcludes = ['github.com/mitchellh/osext v0.0.0-20151018003038-5e2d6d41470f'];

export async function goEnvironment(cacheRoot: string): Promise<NodeJS.ProcessEnv> {
  const go = (await whichProgram('go')) ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new InfrastructureError('building a pinned runtime needs Go (1.26 here): install it, or fetch a release archive instead.');
  return {
    ...process.env,
    PATH: `${go.replace(/\/go$/, '')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    GOMODCACHE: join(cacheRoot, 'go', 'mod'),
    GOCACHE: join(cacheRoot, 'go', 'build'),
    GOFLAGS: '-modcacherw -buildvcs=false',
    // Only the machine's own toolchain: a module's go line must never trigger a toolchain download.
    GOTOOLCHAIN: 'local',
  };
}

/** What `go mod download -json` says about one module version: its go.mod file and origin record. */
export interface DownloadedModule {
  GoMod?: string;
  /** The extracted module source in GOMODCACHE. */
  Dir?: string;
  Origin?: { Hash?: string };
}

export async function downloadModule(module: string, version: string, env: NodeJS.ProcessEnv): Promise<DownloadedModule> {
  const result = await runCommand('go', ['mod', 'download', '-json', `${module}@v${version}`], { env, timeoutMs: 600_000 });
  if (result.exitCode !== 0) {
    throw new InfrastructureError(`the Go module proxy has no ${module}@v${version} (${result.stdout.trim() || result.stderr.trim()})`);
  }
  return JSON.parse(result.stdout) as DownloadedModule;
}

/** The commit a module version was tagged at, from the module proxy's origin record. */
export async function moduleRevision(module: string, version: string, env: NodeJS.ProcessEnv): Promise<string> {
  return (await downloadModule(module, version, env)).Origin?.Hash ?? `v${version}`;
}

export function runGo(args: string[], cwd: string, env: NodeJS.ProcessEnv, onProgress?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) onProgress?.(line.trim());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new InfrastructureError(`go ${args.join(' ')} failed (exit ${code}) in ${cwd}:\n${tail.trim()}`));
    });
  });
}

/**
 * A wrapper module: a throwaway main module that requires the one to build, so that module's own
 * replace directives (which `go install` refuses, or which point at paths a download lacks) do not
 * apply, and names the packages to build in tools.go so `go mod tidy` keeps their dependencies.
 */
export interface WrapperModule {
  /** The wrapper is podchurn.local/build/<name>. */
  name: string;
  /** Its `go` line; upstream's where the binary's GODEBUG defaults must match a build from its own tree. */
  goLine: string;
  godebug?: readonly string[];
  /** The module to build, at v<version>. */
  module: string;
  version: string;
  /** `old => new version` directives, e.g. repeating the upstream replaces Go ignores in a dependency. */
  replaces?: readonly string[];
  /** `module version` excludes, e.g. repeating upstream's. */
  excludes?: readonly string[];
  /** The packages the wrapper exists for (commands to build). */
  imports: readonly string[];
}

export function wrapperModuleGoMod(wrapper: WrapperModule): string {
  const sections: string[][] = [[`module podchurn.local/build/${wrapper.name}`], [wrapper.goLine]];
  if (wrapper.godebug?.length) sections.push([...wrapper.godebug]);
  sections.push([`require ${wrapper.module} v${wrapper.version}`]);
  if (wrapper.replaces?.length) sections.push(['replace (', ...wrapper.replaces.map((r) => `\t${r}`), ')']);
  if (wrapper.excludes?.length) sections.push(wrapper.excludes.map((e) => `exclude ${e}`));
  return sections.map((lines) => `${lines.join('\n')}\n`).join('\n');
}

function wrapperToolsGo(wrapper: WrapperModule): string {
  return [
    '//go:build tools',
    '',
    `// Package tools names what this wrapper module builds from ${wrapper.module}.`,
    'package tools',
    '',
    'import (',
    ...wrapper.imports.map((pkg) => `\t_ "${pkg}"`),
    ')',
    '',
  ].join('\n');
}

/** Writes the wrapper module into `<cacheRoot>/build/<name>@<version>` and resolves it; returns that directory. */
export async function prepareWrapperModule(
  cacheRoot: string,
  wrapper: WrapperModule,
  env: NodeJS.ProcessEnv,
  onProgress?: (line: string) => void,
): Promise<string> {
  const workDir = join(cacheRoot, 'build', `${wrapper.name}@${wrapper.version}`);
  await mkdir(workDir, { recursive: true });
  await writeFile(join(workDir, 'go.mod'), wrapperModuleGoMod(wrapper));
  await writeFile(join(workDir, 'tools.go'), wrapperToolsGo(wrapper));
  await runGo(['mod', 'tidy'], workDir, env, onProgress);
  return workDir;
}

/** Seconds since a performance.now() reading, to a tenth: what build manifests record. */
export function secondsSince(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

/** What a build records in the store's manifest. */
export type BuildOrigin = Record<string, string | number>;

export async function goVersion(env: NodeJS.ProcessEnv): Promise<string> {
  return (await runCommand('go', ['env', 'GOVERSION'], { env })).stdout.trim();
}
