import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltImage } from '../../src/images/builtin-images.js';
import { RuntimeStore } from '../../src/runtime/store.js';

export const fakeCliDir = fileURLToPath(new URL('../fixtures/fake-cli/', import.meta.url));

export interface Call {
  tool: 'kind' | 'docker';
  argv: string[];
}

/**
 * The fake kind and docker executables on PATH, with their own state dir and argv log. `install`
 * changes this process's environment (for providers called in-process) until `restore`; `env`
 * gives the same settings to a child process.
 */
export class FakeCli {
  readonly dir = mkdtempSync(join(tmpdir(), 'podchurn-fake-cli-'));
  readonly state = join(this.dir, 'state');
  readonly log = join(this.dir, 'calls.jsonl');
  private saved: Record<string, string | undefined> = {};

  constructor(private readonly settings: Record<string, string> = {}) {}

  /** Environment for a child process (PATH with the fakes first, state and log). */
  env(extra: Record<string, string> = {}, pathDirs: string[] = [fakeCliDir]): Record<string, string> {
    return {
      PATH: [...pathDirs, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      FAKE_CLI_STATE: this.state,
      FAKE_CLI_LOG: this.log,
      ...this.settings,
      ...extra,
    };
  }

  install(extra: Record<string, string> = {}, pathDirs?: string[]): this {
    for (const [key, value] of Object.entries(this.env(extra, pathDirs))) {
      if (!(key in this.saved)) this.saved[key] = process.env[key];
      process.env[key] = value;
    }
    return this;
  }

  /** Sets (or, with undefined, clears) one fake setting while installed. */
  set(key: string, value: string | undefined): void {
    if (!(key in this.saved)) this.saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }

  restore(): void {
    for (const [key, value] of Object.entries(this.saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    this.saved = {};
  }

  calls(): Call[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Call);
  }

  /** Calls as "tool argv..." strings, easier to compare and to read in a failure. */
  lines(): string[] {
    return this.calls().map((c) => [c.tool, ...c.argv].join(' '));
  }

  clearLog(): void {
    rmSync(this.log, { force: true });
  }

  /** A PATH directory holding only the fake docker (kind is "not installed"). */
  dockerOnlyDir(): string {
    const dir = join(this.dir, 'docker-only');
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'docker'))) symlinkSync(join(fakeCliDir, 'docker'), join(dir, 'docker'));
    return dir;
  }

  cleanup(): void {
    this.restore();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Two small files standing in for podchurn's OCI archives (the fake kind only checks they exist). */
export function fakeImages(dir: string): BuiltImage[] {
  const images: BuiltImage[] = [
    { reference: 'podchurn.local/workload:1', archive: join(dir, 'workload-test.oci.tar') },
    { reference: 'podchurn.local/pause:1', archive: join(dir, 'pause-test.oci.tar') },
  ];
  for (const image of images) writeFileSync(image.archive, 'not really an archive');
  return images;
}

function script(file: string, output: string): string {
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${output.replace(/'/g, "'\\''")}'\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A runtime store holding containerd@<containerd> and runc@<runc> whose "binaries" are scripts
 * reporting the given versions (reported may differ from the key, to test the in-node check).
 */
export function fakeStore(dir: string, pins: { containerd: string; runc: string; containerdReports?: string; runcReports?: string }): RuntimeStore {
  const root = join(dir, 'runtimes');
  const add = (key: string, component: string, version: string, binaries: Record<string, string>) => {
    const keyDir = join(root, key);
    mkdirSync(join(keyDir, 'bin'), { recursive: true });
    const paths = Object.fromEntries(Object.entries(binaries).map(([name, output]) => [name, script(join(keyDir, 'bin', name), output)]));
    const manifest = {
      key,
      component,
      version,
      source: 'local-dir',
      origin: { directory: 'test' },
      binaries: paths,
      verifiedVersions: {},
      installedAt: new Date().toISOString(),
    };
    writeFileSync(join(keyDir, 'manifest.json'), JSON.stringify(manifest));
  };
  const c = pins.containerdReports ?? pins.containerd;
  const r = pins.runcReports ?? pins.runc;
  add(`containerd@${pins.containerd}`, 'containerd', pins.containerd, {
    containerd: `containerd github.com/containerd/containerd v${c} 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c`,
    'containerd-shim-runc-v2': `containerd-shim-runc-v2:\n  Version:  v${c}\n  Revision: 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c\n  Go version: go1.26.0`,
    ctr: `ctr github.com/containerd/containerd v${c}`,
  });
  add(`runc@${pins.runc}`, 'runc', pins.runc, { runc: `runc version ${r}\ncommit: v${r}-0-g0000000\nspec: 1.0.2-dev\ngo: go1.26.0\nlibseccomp: 2.5.4` });
  return new RuntimeStore(root);
}
