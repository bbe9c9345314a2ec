import { mkdir } from 'node:fs/promises';
import { compareVersions } from '../catalog.js';
import {
  containerdExcludes,
  goEnvironment,
  goVersion,
  moduleRevision,
  prepareWrapperModule,
  runGo,
  type BuildOrigin,
  type GoBuildOptions,
} from './go-build.js';
import { buildFromModuleSource } from './module-source-build.js';

/**
 * containerd and runc from the Go module proxy, every line through one builder per family. How a
 * line is built follows from its go.mod (measured with Go 1.26, docs/RUNTIMES.md):
 * - containerd 1.x: a wrapper module requiring github.com/containerd/containerd (repeating its exclude);
 * - containerd 2.x: a new module path (…/v2) whose go.mod `go install` refuses (excludes): built from its source;
 * - runc 1.1: `go install` works;
 * - runc 1.2+: built from its source (1.3's go.mod replaces go-selinux with a nested module the zip omits).
 */
const runcModule = 'github.com/opencontainers/runc';
const containerdCommands = ['containerd', 'containerd-shim-runc-v2', 'ctr'];

export function containerdModuleOf(version: string): string {
  const major = Number(version.split('.', 1)[0]);
  return major >= 2 ? `github.com/containerd/containerd/v${major}` : 'github.com/containerd/containerd';
}

function isSourceBuiltRunc(version: string): boolean {
  return compareVersions(version, '1.2.0-rc.0') >= 0;
}

function deviationOrigin(deviations: readonly string[]): BuildOrigin {
  return deviations.length ? { deviations: deviations.join('; ') } : {};
}

export async function buildContainerd(version: string, options: GoBuildOptions): Promise<BuildOrigin> {
  const env = await goEnvironment(options.cacheRoot);
  const module = containerdModuleOf(version);
  options.onProgress?.(`resolving ${module}@v${version} through the Go module proxy`);
  const revision = await moduleRevision(module, version, env);
  const ldflags = `-s -w -X ${module}/version.Version=v${version} -X ${module}/version.Revision=${revision} -X ${module}/version.Package=${module}`;
  if (module !== 'github.com/containerd/containerd') {
    options.onProgress?.(`compiling containerd, containerd-shim-runc-v2 and ctr ${version} from the module source (CGO_ENABLED=0; no btrfs, devmapper, zfs)`);
    const deviations = await buildFromModuleSource({
      module,
      version,
      packages: containerdCommands.map((cmd) => `./cmd/${cmd}`),
      // The snapshotters that need cgo or host libraries are left out, as CGO_ENABLED=0 requires.
      tags: ['no_btrfs', 'no_devmapper', 'no_zfs', 'urfave_cli_no_docs'],
      ldflags,
      cgo: false,
      cacheRoot: options.cacheRoot,
      outDir: options.outDir,
      env,
      onProgress: options.onProgress,
    });
    return { module, revision, method: 'module source', toolchain: await goVersion(env), ...deviationOrigin(deviations) };
  }
  const commands = containerdCommands.map((cmd) => `${module}/cmd/${cmd}`);
  const workDir = await prepareWrapperModule(
    options.cacheRoot,
    { name: 'containerd', goLine: 'go 1.21', module, version, excludes: containerdExcludes, imports: commands },
    env,
    options.onProgress,
  );
  await mkdir(options.outDir, { recursive: true });
  options.onProgress?.(`compiling containerd, containerd-shim-runc-v2 and ctr ${version} (CGO_ENABLED=0: no btrfs)`);
  await runGo(
    ['build', '-trimpath', '-tags', 'urfave_cli_no_docs', '-ldflags', ldflags, '-o', `${options.outDir}/`, ...commands],
    workDir,
    { ...env, CGO_ENABLED: '0' },
    options.onProgress,
  );
  return { module, revision, method: 'wrapper module', toolchain: await goVersion(env) };
}

export async function buildRunc(version: string, options: GoBuildOptions): Promise<BuildOrigin> {
  const env = await goEnvironment(options.cacheRoot);
  await mkdir(options.outDir, { recursive: true });
  const revision = await moduleRevision(runcModule, version, env);
  options.onProgress?.(`compiling runc ${version} with seccomp (cgo: needs gcc, pkg-config, libseccomp-dev)`);
  const ldflags = `-X main.version=${version} -X main.gitCommit=${revision.slice(0, 12)}`;
  const tags = ['seccomp', 'urfave_cli_no_docs'];
  if (isSourceBuiltRunc(version)) {
    const deviations = await buildFromModuleSource({
      module: runcModule,
      version,
      packages: ['.'],
      tags,
      ldflags,
      cgo: true,
      cacheRoot: options.cacheRoot,
      outDir: options.outDir,
      env,
      onProgress: options.onProgress,
    });
    return { module: runcModule, revision, method: 'module source', toolchain: await goVersion(env), ...deviationOrigin(deviations) };
  }
  await runGo(
    ['install', '-trimpath', '-tags', tags.join(' '), '-ldflags', ldflags, `${runcModule}@v${version}`],
    options.cacheRoot,
    { ...env, CGO_ENABLED: '1', GOBIN: options.outDir },
    options.onProgress,
  );
  return { module: runcModule, revision, method: 'go install', toolchain: await goVersion(env) };
}

export function buildComponent(component: 'containerd' | 'runc', version: string, options: GoBuildOptions): Promise<BuildOrigin> {
  return component === 'containerd' ? buildContainerd(version, options) : buildRunc(version, options);
}
