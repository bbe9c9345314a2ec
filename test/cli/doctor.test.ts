import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubernetesCommands } from '../../src/runtime/sources/kubernetes-build.js';
import { runCli } from '../helpers/cli.js';

/**
 * `podchurn doctor` through the CLI, with fake docker / kind programs first on PATH (the rest of PATH
 * is the system's, without /usr/local where this machine keeps a real docker CLI and kind), and an
 * empty or prepared runtime store in a temporary PODCHURN_CACHE_DIR.
 */
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

function fakeProgram(dir: string, name: string, script: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
}

/** The docker CLI's contract: `--version` works without a daemon; `version --format` needs one. */
function fakeDocker(dir: string, server: 'down' | 'up' | 'hangs'): void {
  const version = {
    down: `echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1`,
    up: `echo 28.1.1`,
    hangs: `exec sleep 30`,
  }[server];
  fakeProgram(
    dir,
    'docker',
    `if [ "$1" = --version ]; then echo 'Docker version 28.1.1, build 4eba377'; exit 0; fi\nif [ "$1" = version ]; then ${version}; exit 0; fi\nexit 2`,
  );
}

/** What doctor printed about one check: its own line and the indented to-fix / builds lines under it. */
function linesOf(stdout: string, name: string): string {
  const lines = stdout.split('\n');
  const at = lines.findIndex((line) => new RegExp(`^  \\S+\\s+${name.replace(/[.@]/g, '\\$&')}\\s{2}`).test(line));
  expect(at, `doctor printed no line for ${name}:\n${stdout}`).to.be.at.least(0);
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((line) => !/^\s{12,}\S/.test(line));
  return [lines[at], ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
}

describe('podchurn doctor: per target and provider, what is there and what to do', function () {
  this.timeout(120_000);
  const base = mkdtempSync(join(tmpdir(), 'podchurn-doctor-'));

  it('a docker CLI without a daemon, no kind, an empty store: MISSING with the command and the measured build time', async () => {
    const bin = join(base, 'down-bin');
    fakeDocker(bin, 'down');
    const result = await runCli(['doctor'], {
      PATH: `${bin}:${SYSTEM_PATH}`,
      PODCHURN_CACHE_DIR: join(base, 'empty-cache'),
      KUBECONFIG: join(base, 'no-kubeconfig'),
    });
    expect(result.code, result.stderr).to.equal(0); // the CRI target can still run
    expect(linesOf(result.stdout, 'docker CLI')).to.match(/^ {2}ok\s+docker CLI\s+28\.1\.1 \(/);
    const engine = linesOf(result.stdout, 'docker engine');
    expect(engine).to.match(/^ {2}MISSING\s+docker engine\s+the CLI is there, the daemon does not answer: Cannot connect to the Docker daemon/);
    expect(engine).to.include('to fix: bash scripts/docker-engine.sh start');
    const kind = linesOf(result.stdout, 'kind');
    expect(kind).to.match(/^ {2}MISSING\s+kind\s+not found on PATH/);
    expect(kind).to.include('to fix: bash scripts/kind-tool.sh');
    expect(kind).to.include('builds: about 35 s once (35 s measured, docs/CLUSTERS.md');
    const kubernetes = linesOf(result.stdout, 'kubernetes@1.34.4');
    expect(kubernetes).to.match(/^ {2}MISSING\s+kubernetes@1\.34\.4\s+not in the runtime store/);
    expect(kubernetes).to.include('to fix: podchurn runtime build kubernetes@1.34.4');
    expect(kubernetes).to.include('builds: about 20 min once (1216 s measured, docs/RUNTIMES.md');
    expect(result.stdout).to.include('cri target (harness-managed containerd): ready');
    expect(result.stdout).to.match(/^local cluster \(cluster\.provider: local\): not ready \(missing: [^)]*kubernetes@1\.34\.4/m);
    expect(result.stdout).to.match(/^kind cluster \(cluster\.provider: kind\): not ready \(missing: docker engine, kind\b/m);
    expect(result.stdout).to.match(/^existing cluster \(cluster\.provider: existing\): not ready \(missing: kubeconfig\)/m);
  });

  it('a daemon that answers, a kind CLI, the Kubernetes key and a kubeconfig: ok lines with what was found', async () => {
    const bin = join(base, 'up-bin');
    fakeDocker(bin, 'up');
    fakeProgram(bin, 'kind', `echo 'kind v0.30.0 go1.26.8 linux/amd64'`);
    const cache = join(base, 'cache');
    const keyDir = join(cache, 'runtimes', 'kubernetes@1.34.4');
    mkdirSync(join(keyDir, 'bin'), { recursive: true });
    const binaries = Object.fromEntries(kubernetesCommands.map((name) => [name, join(keyDir, 'bin', name)]));
    for (const path of Object.values(binaries)) writeFileSync(path, '', { mode: 0o755 });
    const manifest = {
      key: 'kubernetes@1.34.4',
      component: 'kubernetes',
      version: '1.34.4',
      source: 'go-build',
      origin: {},
      binaries,
      verifiedVersions: {},
      installedAt: '2026-11-30T00:00:00Z',
    };
    writeFileSync(join(keyDir, 'manifest.json'), JSON.stringify(manifest));
    const kubeconfig = join(base, 'kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');

    const result = await runCli(['doctor'], { PATH: `${bin}:${SYSTEM_PATH}`, PODCHURN_CACHE_DIR: cache, KUBECONFIG: kubeconfig });
    expect(result.code, result.stderr).to.equal(0);
    expect(linesOf(result.stdout, 'docker engine')).to.match(/^ {2}ok\s+docker engine\s+daemon 28\.1\.1 answers$/);
    expect(linesOf(result.stdout, 'kind')).to.match(new RegExp(`^  ok\\s+kind\\s+v0\\.30\\.0 \\(${bin}/kind\\)$`));
    expect(linesOf(result.stdout, 'kubernetes@1.34.4')).to.match(/^ {2}ok\s+kubernetes@1\.34\.4\s+in the runtime store \(go-build\)$/);
    expect(linesOf(result.stdout, 'kubeconfig')).to.equal(`  ok       kubeconfig              ${kubeconfig} ($KUBECONFIG)`);
    expect(result.stdout).to.include('existing cluster (cluster.provider: existing): ready');
  });

  it('a daemon that does not answer at all is MISSING after a short timeout, not a hang', async () => {
    const bin = join(base, 'hang-bin');
    fakeDocker(bin, 'hangs');
    const started = performance.now();
    const result = await runCli(['doctor'], { PATH: `${bin}:${SYSTEM_PATH}`, PODCHURN_CACHE_DIR: join(base, 'empty-cache') });
    expect(linesOf(result.stdout, 'docker engine')).to.match(/^ {2}MISSING\s+docker engine\s+no answer within 5 s/);
    expect(performance.now() - started).to.be.below(25_000);
  });
});
