import { InfrastructureError } from '../../errors.js';
import type { VersionProbe } from '../version-probe.js';
import { downloadModule, goEnvironment, goVersion, runGo, secondsSince, type BuildOrigin, type GoBuildOptions } from './go-build.js';

/**
 * Builds crictl from the Go module proxy. sigs.k8s.io/cri-tools has no replace directives, so
 * `go install module/cmd/crictl@vX` builds it with cri-tools' own go.mod as the main module (so
 * with its go line's GODEBUG defaults), with CGO off as cri-tools' release script builds it.
 */
export const criToolsModule = 'sigs.k8s.io/cri-tools';
export const criToolsCommands = ['crictl'] as const;

/** `crictl version v1.34.0` -> `1.34.0`. */
export function parseCrictlVersion(output: string): string | undefined {
  return /^crictl version\s+v?(\S+)/m.exec(output)?.[1];
}

export const criToolsVersionProbes: Record<(typeof criToolsCommands)[number], VersionProbe> = {
  crictl: { args: ['--version'], parse: parseCrictlVersion },
};

export async function buildCriTools(version: string, options: GoBuildOptions): Promise<BuildOrigin> {
  const env = await goEnvironment(options.cacheRoot);
  options.onProgress?.(`resolving ${criToolsModule}@v${version} through the Go module proxy`);
  const module = await downloadModule(criToolsModule, version, env);
  if (!module.GoMod) throw new InfrastructureError(`go mod download returned no go.mod for ${criToolsModule}@v${version}`);
  options.onProgress?.(`compiling crictl ${version} (CGO_ENABLED=0)`);
  const started = performance.now();
  // The release script stamps the tag as `git describe` gives it, v included; so does this.
  const ldflags = `-s -w -X ${criToolsModule}/pkg/version.Version=v${version}`;
  await runGo(
    ['install', '-trimpath', '-ldflags', ldflags, `${criToolsModule}/cmd/crictl@v${version}`],
    options.cacheRoot,
    { ...env, CGO_ENABLED: '0', GOBIN: options.outDir },
    options.onProgress,
  );
  return { module: criToolsModule, commit: module.Origin?.Hash ?? `v${version}`, toolchain: await goVersion(env), compileSeconds: secondsSince(started) };
}
