import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError, InputError, describeCause } from '../errors.js';
import { cacheDir } from '../util/dirs.js';
import { runCommand, whichProgram } from '../util/exec.js';
import type { BinarySet } from './binary-set.js';
import { parseContainerdVersion, parseRuncVersion, parseShimVersion } from './binary-set.js';
import { components, runtimeCatalog, type Component } from './catalog.js';
import { withFileLock } from './key-lock.js';
import { buildCriTools, criToolsCommands, criToolsVersionProbes } from './sources/cri-tools-build.js';
import { buildEtcd, etcdCommands, etcdVersionProbes } from './sources/etcd-build.js';
import { buildComponent } from './sources/containerd-runc-build.js';
import type { BuildOrigin, GoBuildOptions } from './sources/go-build.js';
import { buildKubernetes, kubernetesCommands, kubernetesVersionProbes } from './sources/kubernetes-build.js';
import { installRelease } from './sources/release.js';
import type { VersionProbe } from './version-probe.js';

export type SourceKind = 'release' | 'go-build' | 'local-dir';

/** manifest.json of one installed key. */
export interface StoreEntry {
  key: string;
  component: Component;
  version: string;
  source: SourceKind;
  /** Release URL and sha256, local directory, or build details. */
  origin: Record<string, string | number>;
  binaries: Record<string, string>;
  /** What the binaries say about themselves, checked against the key when installed. */
  verifiedVersions: Record<string, string>;
  installedAt: string;
}

export interface ParsedKey {
  key: string;
  component: Component;
  version: string;
}

/** The executables a key of each component consists of; an installed entry missing one of them is not installed. */
export const binariesOf: Record<Component, readonly string[]> = {
  containerd: ['containerd', 'containerd-shim-runc-v2', 'ctr'],
  runc: ['runc'],
  kubernetes: kubernetesCommands,
  etcd: etcdCommands,
  'cri-tools': criToolsCommands,
};

const versionProbes: Record<string, VersionProbe> = {
  containerd: { args: ['--version'], parse: parseContainerdVersion },
  'containerd-shim-runc-v2': { args: ['-v'], parse: parseShimVersion },
  ctr: { args: ['--version'], parse: (out) => /^ctr\s+\S+\s+v?(\S+)/m.exec(out)?.[1] },
  runc: { args: ['--version'], parse: parseRuncVersion },
  ...kubernetesVersionProbes,
  ...etcdVersionProbes,
  ...criToolsVersionProbes,
};

/** The Go module proxy build of each component. */
const goBuilders: Record<Component, (version: string, options: GoBuildOptions) => Promise<BuildOrigin>> = {
  containerd: (version, options) => buildComponent('containerd', version, options),
  runc: (version, options) => buildComponent('runc', version, options),
  kubernetes: buildKubernetes,
  etcd: buildEtcd,
  'cri-tools': buildCriTools,
};

/** Debian's package for a component's `system` key, where the name differs from the component's. */
const systemPackages: Partial<Record<Component, string>> = { etcd: 'etcd-server' };

/** `1.7.22`, `v1.7.22` and `containerd@1.7.22` name the same key; `system` is the host's packages. */
export function parseKey(component: Component, key: string): ParsedKey {
  const [prefix, rawVersion] = key.includes('@') ? (key.split('@', 2) as [string, string]) : [component, key];
  if (prefix !== component) throw new InputError(`"${key}" is not a ${component} key; expected ${component}@VERSION or ${component}@system.`);
  const version = rawVersion.replace(/^v/, '');
  if (version !== 'system' && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) {
    throw new InputError(`"${key}": a ${component} version must look like 1.7.22 (or be "system").`);
  }
  return { key: `${component}@${version}`, component, version };
}

function isComponent(name: string | undefined): name is Component {
  return (components as readonly (string | undefined)[]).includes(name);
}

export function parseAnyKey(key: string): ParsedKey {
  const component = key.split('@', 1)[0];
  if (!isComponent(component)) {
    throw new InputError(`"${key}": runtime keys look like containerd@1.7.22, runc@1.1.14, kubernetes@1.34.4, etcd@3.6.5 or cri-tools@1.34.0.`);
  }
  return parseKey(component, key);
}

/** Versions the binaries in `dir` report, checked against the key: a mismatched set is refused. */
export async function verifyBinaries(parsed: ParsedKey, binaries: Record<string, string>): Promise<Record<string, string>> {
  const verified: Record<string, string> = {};
  for (const [name, path] of Object.entries(binaries)) {
    const probe = versionProbes[name];
    if (!probe) throw new InfrastructureError(`no version probe is declared for ${name}; cannot verify it as part of ${parsed.key}.`);
    const { args, parse } = probe;
    const result = await runCommand(path, args, { timeoutMs: 10_000 }).catch((error) => ({ stdout: '', stderr: describeCause(error), exitCode: -1 }));
    const version = parse(result.stdout)?.replace(/^v/, '');
    if (!version)
      throw new InfrastructureError(`${path} ${args.join(' ')} did not report a version (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 300)}`);
    if (parsed.version !== 'system' && version !== parsed.version) {
      throw new InputError(`${path} reports version ${version}, not ${parsed.version}: refusing it as ${parsed.key}.`);
    }
    verified[name] = version;
  }
  return verified;
}

export interface InstallOptions {
  /** Only these sources, in this order. Default: release, then go-build. */
  sources?: SourceKind[];
  fromDir?: string;
  onProgress?: (line: string) => void;
}

/**
 * Pinned runtime binaries, one directory per key under the podchurn cache
 * (PODCHURN_CACHE_DIR/runtimes/<key>/{bin/, manifest.json}). Installs are atomic: a key is either
 * fully installed and verified, or absent.
 */
export class RuntimeStore {
  constructor(readonly root: string = join(cacheDir(), 'runtimes')) {}

  private dirOf(key: string): string {
    return join(this.root, key);
  }

  async get(key: string): Promise<StoreEntry | undefined> {
    const manifest = join(this.dirOf(key), 'manifest.json');
    if (!existsSync(manifest)) return undefined;
    const entry = JSON.parse(await readFile(manifest, 'utf8')) as StoreEntry;
    // A key installed before its component gained a binary (kubernetes@ keys before kubeadm and kubectl) is
    // incomplete: treating it as absent makes ensure() and fetch install the whole set again.
    const complete = binariesOf[entry.component]?.every((name) => entry.binaries[name] !== undefined) ?? false;
    return complete && Object.values(entry.binaries).every((path) => existsSync(path)) ? entry : undefined;
  }

  async list(): Promise<StoreEntry[]> {
    const keys = await readdir(this.root).catch(() => [] as string[]);
    const entries = await Promise.all(keys.filter((k) => !k.includes('.partial') && !k.endsWith('.lock')).map((k) => this.get(k)));
    return entries.filter((e): e is StoreEntry => e !== undefined).sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Installs (or re-installs) a key, holding its lock: a concurrent install of the same key waits for this one. */
  async install(parsed: ParsedKey, options: InstallOptions = {}): Promise<StoreEntry> {
    return this.withKeyLock(parsed, options, () => this.installLocked(parsed, options));
  }

  /** One installer per key across processes (<root>/<key>.lock); a second one waits and says for whom. */
  private async withKeyLock<T>(parsed: ParsedKey, options: InstallOptions, work: () => Promise<T>): Promise<T> {
    await mkdir(this.root, { recursive: true });
    const onWait = (pid: number) => options.onProgress?.(`${parsed.key}: waiting for process ${pid}, which is installing it`);
    return withFileLock(join(this.root, `${parsed.key}.lock`), work, { onWait });
  }

  private async installLocked(parsed: ParsedKey, options: InstallOptions): Promise<StoreEntry> {
    if (parsed.version === 'system') throw new InputError(`${parsed.key} is the host's own package; there is nothing to install.`);
    const defaultSources: SourceKind[] = runtimeCatalog()[parsed.component].releaseUrl ? ['release', 'go-build'] : ['go-build'];
    const sources: SourceKind[] = options.fromDir ? ['local-dir'] : (options.sources ?? defaultSources);
    const failures: string[] = [];
    for (const source of sources) {
      const partial = `${this.dirOf(parsed.key)}.partial-${process.pid}`;
      await rm(partial, { recursive: true, force: true });
      const binDir = join(partial, 'bin');
      await mkdir(binDir, { recursive: true });
      try {
        const started = performance.now();
        const origin = await this.obtain(source, parsed, binDir, options);
        const finalBinaries = Object.fromEntries(binariesOf[parsed.component].map((name) => [name, join(this.dirOf(parsed.key), 'bin', name)]));
        const verifiedVersions = await verifyBinaries(parsed, Object.fromEntries(binariesOf[parsed.component].map((name) => [name, join(binDir, name)])));
        const entry: StoreEntry = {
          key: parsed.key,
          component: parsed.component,
          version: parsed.version,
          source,
          origin: { ...origin, seconds: Math.round((performance.now() - started) / 100) / 10 },
          binaries: finalBinaries,
          verifiedVersions,
          installedAt: new Date().toISOString(),
        };
        await writeFile(join(partial, 'manifest.json'), `${JSON.stringify(entry, null, 2)}\n`);
        await rm(this.dirOf(parsed.key), { recursive: true, force: true });
        await rename(partial, this.dirOf(parsed.key));
        return entry;
      } catch (error) {
        await rm(partial, { recursive: true, force: true });
        if (error instanceof InputError) throw error;
        failures.push(`${source}: ${describeCause(error)}`);
        options.onProgress?.(`${parsed.key}: ${source} failed (${describeCause(error).split('\n')[0]}); trying the next source`);
      }
    }
    throw new InfrastructureError(`could not install ${parsed.key}:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  }

  private async obtain(source: SourceKind, parsed: ParsedKey, binDir: string, options: InstallOptions): Promise<Record<string, string | number>> {
    if (source === 'local-dir') {
      const from = options.fromDir!;
      for (const name of binariesOf[parsed.component]) {
        const candidates = [join(from, name), join(from, 'bin', name), join(from, 'sbin', name)];
        const found = candidates.find((c) => existsSync(c));
        if (!found) throw new InputError(`${from} has no ${name} (looked in ${candidates.join(', ')}).`);
        await writeFile(join(binDir, name), await readFile(found), { mode: 0o755 });
      }
      return { directory: from };
    }
    if (source === 'release') {
      const spec = runtimeCatalog()[parsed.component];
      const pinned = spec.versions[parsed.version]?.sha256;
      if (!spec.releaseUrl) throw new InfrastructureError(`the catalog has no releaseUrl for ${parsed.component}; build it instead.`);
      return installRelease(
        parsed.component,
        parsed.version,
        { releaseUrl: spec.releaseUrl, checksumUrl: spec.checksumUrl, sha256: pinned },
        binDir,
        binariesOf[parsed.component],
      );
    }
    return goBuilders[parsed.component](parsed.version, { cacheRoot: cacheDir(), outDir: binDir, onProgress: options.onProgress });
  }

  /** The binaries of an installed key, installing it first when `autoInstall` is set. */
  async ensure(parsed: ParsedKey, options: InstallOptions & { autoInstall: boolean }): Promise<Record<string, string>> {
    if (parsed.version === 'system') return systemBinaries(parsed.component);
    // Under the key's lock the store is asked again: a process that waited for another's install uses it.
    const installMissing = () => this.withKeyLock(parsed, options, async () => (await this.get(parsed.key)) ?? this.installLocked(parsed, options));
    const entry = (await this.get(parsed.key)) ?? (options.autoInstall ? await installMissing() : undefined);
    if (!entry) throw new InputError(`${parsed.key} is not installed; run "podchurn runtime fetch ${parsed.key}".`);
    return entry.binaries;
  }

  /** The binary set for a containerd key and a runc key. */
  async resolveBinarySet(
    containerdKey: string,
    runcKey: string,
    options: InstallOptions & { autoInstall: boolean } = { autoInstall: true },
  ): Promise<BinarySet> {
    const containerd = parseKey('containerd', containerdKey);
    const runc = parseKey('runc', runcKey);
    const [c, r] = [await this.ensure(containerd, options), await this.ensure(runc, options)];
    return { containerdKey: containerd.key, runcKey: runc.key, containerd: c.containerd!, shim: c['containerd-shim-runc-v2']!, ctr: c.ctr!, runc: r.runc! };
  }
}

async function systemBinaries(component: Component): Promise<Record<string, string>> {
  const aptPackage = systemPackages[component] ?? component;
  const binaries: Record<string, string> = {};
  for (const name of binariesOf[component]) {
    const path = await whichProgram(name);
    if (!path)
      throw new InputError(`${name} is not installed on this host; install Debian's ${aptPackage} (apt-get install ${aptPackage}) or pick a pinned version.`);
    binaries[name] = path;
  }
  return binaries;
}
