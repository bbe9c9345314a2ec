import { mkdir, readFile } from 'node:fs/promises';
import { InfrastructureError, InputError } from '../../errors.js';
import type { VersionProbe } from '../version-probe.js';
import {
  downloadModule,
  goEnvironment,
  goVersion,
  prepareWrapperModule,
  runGo,
  secondsSince,
  wrapperModuleGoMod,
  type GoBuildOptions,
  type WrapperModule,
} from './go-build.js';

/**
 * Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubeadm and kubectl
 * from the Go module proxy. k8s.io/kubernetes cannot be built as a dependency on its own: its go.mod points every
 * staging module (k8s.io/api, k8s.io/client-go, ...) at ./staging/src, which a module download
 * does not contain, and requires them at v0.0.0. The wrapper module replaces each of them with
 * its published v0.MINOR.PATCH twin, and takes the list from the tagged go.mod itself, so a new
 * staging module in a later release needs no code change here.
 */
export const kubernetesModule = 'k8s.io/kubernetes';
/**
 * The control plane and kubelet for the local cluster provider, plus kubeadm and kubectl for kind
 * node images (kubeadm bootstraps the node; kubectl is what kind's tooling runs inside it).
 */
export const kubernetesCommands = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kubeadm', 'kubectl'] as const;
export type KubernetesCommand = (typeof kubernetesCommands)[number];

/** Staging modules: the `replace k8s.io/x => ./staging/src/k8s.io/x` directives of k8s.io/kubernetes' go.mod. */
export function stagingModules(goMod: string): string[] {
  const modules = new Set<string>();
  let inReplaceBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (/^replace\s*\($/.test(line)) {
      inReplaceBlock = true;
      continue;
    }
    if (inReplaceBlock && line === ')') {
      inReplaceBlock = false;
      continue;
    }
    const directive = inReplaceBlock ? line : /^replace\s+(.*)$/.exec(line)?.[1];
    const match = directive && /^(\S+)(?:\s+\S+)?\s*=>\s*\.\/staging\/src\/(\S+?)\/?$/.exec(directive);
    if (match && match[1] === match[2]) modules.add(match[1]!);
  }
  return [...modules].sort();
}

/** The staging modules' tag for a Kubernetes release: v1.34.4 ships k8s.io/api v0.34.4. */
export function stagingVersion(version: string): string {
  if (!/^1\.\d+\.\d+/.test(version)) throw new InputError(`kubernetes@${version}: only 1.x releases have published staging modules (v0.x).`);
  return version.replace(/^1\./, '0.');
}

/** The wrapper module: upstream's go and godebug lines (GODEBUG defaults change what the binaries do), the pin, and the staging replaces. */
export function kubernetesWrapper(version: string, upstreamGoMod: string): WrapperModule {
  const staging = stagingModules(upstreamGoMod);
  if (staging.length === 0)
    throw new InfrastructureError(`${kubernetesModule}@v${version}'s go.mod names no staging modules; cannot build it through a wrapper module.`);
  const tag = `v${stagingVersion(version)}`;
  return {
    name: 'kubernetes',
    goLine: /^go\s+\S+$/m.exec(upstreamGoMod)?.[0] ?? 'go 1.24.0',
    godebug: upstreamGoMod.match(/^godebug\s+\S+=\S+$/gm) ?? ['godebug default=go1.24'],
    module: kubernetesModule,
    version,
    replaces: staging.map((m) => `${m} => ${m} ${tag}`),
    imports: kubernetesCommands.map((cmd) => `${kubernetesModule}/cmd/${cmd}`),
  };
}

/** The wrapper's go.mod text. */
export function wrapperGoMod(version: string, upstreamGoMod: string): string {
  return wrapperModuleGoMod(kubernetesWrapper(version, upstreamGoMod));
}

/** `Kubernetes v1.34.4` -> `1.34.4`: what the server components and kubelet print for --version. */
export function parseKubernetesVersion(output: string): string | undefined {
  return /^Kubernetes\s+v?(\S+)/m.exec(output)?.[1];
}

/** `v1.34.4` -> `1.34.4`: what `kubeadm version -o short` prints. */
export function parseKubeadmShortVersion(output: string): string | undefined {
  return /^v?(\d+\.\d+\.\d+\S*)\s*$/m.exec(output)?.[1];
}

/** `Client Version: v1.34.4` -> `1.34.4`, from `kubectl version --client`. */
export function parseKubectlClientVersion(output: string): string | undefined {
  return /^Client Version:\s+v?(\S+)/m.exec(output)?.[1];
}

/**
 * How each command states its version. kubeadm and kubectl have no --version flag: they answer a
 * `version` subcommand instead (`--client` keeps kubectl from looking for an API server).
 */
export const kubernetesVersionProbes: Record<KubernetesCommand, VersionProbe> = {
  'kube-apiserver': { args: ['--version'], parse: parseKubernetesVersion },
  'kube-controller-manager': { args: ['--version'], parse: parseKubernetesVersion },
  'kube-scheduler': { args: ['--version'], parse: parseKubernetesVersion },
  kubelet: { args: ['--version'], parse: parseKubernetesVersion },
  kubeadm: { args: ['version', '-o', 'short'], parse: parseKubeadmShortVersion },
  kubectl: { args: ['version', '--client'], parse: parseKubectlClientVersion },
};

/**
 * The -X flags the version commands and /version read: component-base for the server components,
 * kubelet and kubeadm, client-go for kubectl. Both packages, since a non-semver default panics in
 * some callers (kubeadm derives the control-plane version it deploys from its own).
 */
function versionLdflags(version: string, commit: string): string {
  const [major = '', minor = ''] = version.split('.');
  const buildDate = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const vars = { gitVersion: `v${version}`, gitMajor: major, gitMinor: minor, gitCommit: commit, gitTreeState: 'clean', buildDate };
  const flags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) =>
    Object.entries(vars).map(([name, value]) => `-X ${pkg}.${name}=${value}`),
  );
  return ['-s', '-w', ...flags].join(' ');
}

/** Builds every command of `kubernetesCommands` into `options.outDir`; returns what the manifest records about the build. */
export async function buildKubernetes(version: string, options: GoBuildOptions): Promise<Record<string, string | number>> {
  const env = await goEnvironment(options.cacheRoot);
  options.onProgress?.(`resolving ${kubernetesModule}@v${version} through the Go module proxy`);
  let started = performance.now();
  const module = await downloadModule(kubernetesModule, version, env);
  if (!module.GoMod) throw new InfrastructureError(`go mod download returned no go.mod for ${kubernetesModule}@v${version}`);
  const upstreamGoMod = await readFile(module.GoMod, 'utf8');
  const wrapper = kubernetesWrapper(version, upstreamGoMod);
  const workDir = await prepareWrapperModule(options.cacheRoot, wrapper, env, options.onProgress);
  const resolveSeconds = secondsSince(started);

  await mkdir(options.outDir, { recursive: true });
  options.onProgress?.(`compiling ${kubernetesCommands.join(', ')} ${version} (CGO_ENABLED=0; the first build takes tens of minutes)`);
  started = performance.now();
  const commit = module.Origin?.Hash ?? `v${version}`;
  await runGo(
    ['build', '-trimpath', '-ldflags', versionLdflags(version, commit), '-o', `${options.outDir}/`, ...wrapper.imports],
    workDir,
    { ...env, CGO_ENABLED: '0' },
    options.onProgress,
  );
  const toolchain = await goVersion(env);
  return { module: kubernetesModule, commit, stagingModules: wrapper.replaces?.length ?? 0, toolchain, resolveSeconds, compileSeconds: secondsSince(started) };
}
