import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.js';
import { runCommand } from '../../util/exec.js';
import { downloadModule, runGo } from './go-build.js';

/**
 * Builds a module's own commands from its downloaded source, as the main module. This is the way
 * for modules whose go.mod `go install` refuses (containerd 2.x has `exclude` directives, runc 1.3
 * a `replace`) and whose commands a wrapper module cannot build without repeating their go.mod.
 * The proxy's zip keeps only vendor/modules.txt, so vendor/ goes and dependencies are resolved
 * with -mod=mod from the same GOMODCACHE as every other build.
 */
export interface ModuleSourceBuild {
  module: string;
  /** Without the leading v. */
  version: string;
  /** Packages relative to the module root, e.g. ./cmd/containerd or `.`. */
  packages: readonly string[];
  tags: readonly string[];
  ldflags: string;
  cgo: boolean;
  cacheRoot: string;
  outDir: string;
  env: NodeJS.ProcessEnv;
  onProgress?: (line: string) => void;
}

/** A directive of upstream's go.mod the build had to change, for the store manifest. */
export type SourceDeviation = string;

interface GoModJson {
  Require?: { Path: string; Version: string }[] | null;
  Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[] | null;
}

async function readGoMod(dir: string, env: NodeJS.ProcessEnv): Promise<GoModJson> {
  const result = await runCommand('go', ['mod', 'edit', '-json'], { cwd: dir, env, timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw new InfrastructureError(`go mod edit -json failed in ${dir}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as GoModJson;
}

/**
 * Drops replace directives that point at a directory the module zip does not contain (a nested
 * module is never part of its parent's zip): the build then uses the upstream module at the version
 * go.mod requires, which is a deviation from upstream's own build and is reported as one.
 */
async function dropUnreachableReplaces(dir: string, env: NodeJS.ProcessEnv): Promise<SourceDeviation[]> {
  const goMod = await readGoMod(dir, env);
  const deviations: SourceDeviation[] = [];
  for (const replace of goMod.Replace ?? []) {
    const target = replace.New.Path;
    const isLocal = target.startsWith('./') || target.startsWith('../') || target.startsWith('/');
    if (!isLocal || existsSync(join(dir, target, 'go.mod'))) continue;
    const dropped = await runCommand('go', ['mod', 'edit', '-dropreplace', replace.Old.Path], { cwd: dir, env, timeoutMs: 60_000 });
    if (dropped.exitCode !== 0) throw new InfrastructureError(`go mod edit -dropreplace ${replace.Old.Path} failed: ${dropped.stderr.trim()}`);
    const required = goMod.Require?.find((r) => r.Path === replace.Old.Path)?.Version ?? 'the version go.mod requires';
    deviations.push(
      `replace ${replace.Old.Path} => ${target} dropped (the module zip omits that nested module); built with upstream ${replace.Old.Path} ${required}`,
    );
  }
  return deviations;
}

/** Copies the module source to `<cacheRoot>/build/src/<name>@<version>`, builds its packages into outDir; returns the deviations. */
export async function buildFromModuleSource(build: ModuleSourceBuild): Promise<SourceDeviation[]> {
  const downloaded = await downloadModule(build.module, build.version, build.env);
  if (!downloaded.Dir) throw new InfrastructureError(`go mod download gave no source directory for ${build.module}@v${build.version}`);
  const workDir = join(build.cacheRoot, 'build', 'src', `${build.module.replaceAll('/', '_')}@${build.version}`);
  // A fresh copy each time: a previous attempt's go.mod edits must not leak into this one.
  await rm(workDir, { recursive: true, force: true });
  await mkdir(join(build.cacheRoot, 'build', 'src'), { recursive: true });
  await cp(downloaded.Dir, workDir, { recursive: true });
  // The module cache may hold read-only files (downloaded without -modcacherw); the copy is edited.
  const writable = await runCommand('chmod', ['-R', 'u+w', workDir], { timeoutMs: 60_000 });
  if (writable.exitCode !== 0) throw new InfrastructureError(`chmod -R u+w ${workDir} failed: ${writable.stderr.trim()}`);
  await rm(join(workDir, 'vendor'), { recursive: true, force: true });
  const deviations = await dropUnreachableReplaces(workDir, build.env);
  for (const deviation of deviations) build.onProgress?.(`deviation: ${deviation}`);
  await mkdir(build.outDir, { recursive: true });
  const env = { ...build.env, CGO_ENABLED: build.cgo ? '1' : '0', GOFLAGS: `${build.env.GOFLAGS ?? ''} -mod=mod`.trim() };
  await runGo(
    ['build', '-trimpath', '-tags', build.tags.join(' '), '-ldflags', build.ldflags, '-o', `${build.outDir}/`, ...build.packages],
    workDir,
    env,
    build.onProgress,
  );
  await rm(workDir, { recursive: true, force: true });
  return deviations;
}
