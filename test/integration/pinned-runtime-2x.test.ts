import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toToml } from 'smol-toml';
import { applyConfigPatches } from '../../src/cluster/providers/local/node-config.js';
import { PAUSE_IMAGE } from '../../src/images/builtin-images.js';
import { judgePatchKeys } from '../../src/measurements/config-honesty/config-honesty.js';
import { scanLog } from '../../src/measurements/log-signatures/log-scan.js';
import { RuntimeStore, parseKey } from '../../src/runtime/store.js';
import { runCommand } from '../../src/util/exec.js';
import { runCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { provisionStoreKeys } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';
import { writeScenario } from '../helpers/scenario.js';

/**
 * The runtime lines users upgrade to: containerd 2.x (a new Go module, config version 3) and runc
 * 1.3, built from the Go module proxy by the store (cold: minutes, cached after), run for real.
 */
const PINNED = { containerd: '2.1.4', runc: '1.3.3' } as const;
const CONTAINERD_KEY = `containerd@${PINNED.containerd}`;
const RUNC_KEY = `runc@${PINNED.runc}`;

/** Failure signatures: a clean 2.x run must have none (task-exit and a lone exec-in-stopped are not failures). */
const FAILURE_SIGNATURES = ['stop-deadline', 'stop-canceled', 'shim-skipped-exit', 'task-exit-failed', 'stop-sandbox-failed'];

interface RuntimeRecord {
  measured: { containerd: string; shim: string; runc: string };
  cri: { runtimeVersion: string };
  requested: { containerd: string; runc: string };
  settingsApplied: Record<string, unknown>;
}

describe('pinned runtimes: containerd 2.x and runc 1.3', function () {
  this.timeout(20 * 60_000);
  before(provisionStoreKeys(CONTAINERD_KEY, RUNC_KEY));

  it("builds them from the module source, verified, with the selinux deviation in runc's manifest", async () => {
    // A fresh store, built from the Go module proxy now (the shared module and build caches make it seconds after provisioning).
    const store = new RuntimeStore(mkdtempSync(join(tmpdir(), 'podchurn-store-2x-')));
    const containerd = await store.install(parseKey('containerd', CONTAINERD_KEY), { sources: ['go-build'] });
    const runc = await store.install(parseKey('runc', RUNC_KEY), { sources: ['go-build'] });
    expect(containerd.verifiedVersions).to.deep.equal({ containerd: '2.1.4', 'containerd-shim-runc-v2': '2.1.4', ctr: '2.1.4' });
    expect(containerd.origin).to.include({ module: 'github.com/containerd/containerd/v2', method: 'module source' });
    expect(containerd.origin.toolchain).to.match(/^go1\.26/);
    expect(containerd.origin).not.to.have.property('deviations');
    expect(runc.verifiedVersions).to.deep.equal({ runc: '1.3.3' });
    expect(runc.origin).to.include({ method: 'module source' });
    expect(runc.origin.deviations).to.match(/replace github\.com\/opencontainers\/selinux => \.\/internal\/third_party\/selinux dropped.*selinux v1\.12\.0/);
    // Built with seccomp (cgo + libseccomp), as runc's own releases are.
    expect((await runCommand(runc.binaries.runc!, ['--version'])).stdout).to.match(/^libseccomp: \d/m);
    await rm(store.root, { recursive: true, force: true });
  });

  it('runs an exec-probed CRI scenario through the CLI on a managed containerd 2.x with a version-3 config', async () => {
    const { file, reportsDir } = writeScenario('pinned-2x', {
      pods: 4,
      batchSize: 4,
      cycles: 2,
      holdSeconds: 1,
      gracePeriodSeconds: 2,
      // debug: 2.x then logs its benign "TaskExit event in podsandbox handler" lines, which must match nothing.
      runtime: { containerd: PINNED.containerd, runc: PINNED.runc, logLevel: 'debug' },
      execProbe: { enabled: true, periodMs: 200, timeoutSeconds: 5, workers: 2, command: ['date'] },
    });
    const run = await runCli(['run', file, '--reports-dir', reportsDir]);
    expect(run.code, run.stderr).to.equal(0);
    const runDir = runDirOf(reportsDir);

    const environment = JSON.parse(readFileSync(join(runDir, 'environment.json'), 'utf8')) as { runtimes: RuntimeRecord[] };
    const [runtime] = environment.runtimes;
    expect(runtime!.measured).to.include({ containerd: '2.1.4', shim: '2.1.4', runc: '1.3.3' });
    expect(runtime!.cri.runtimeVersion).to.match(/^v?2\.1\.4/);
    expect(runtime!.requested).to.deep.equal({ containerd: CONTAINERD_KEY, runc: RUNC_KEY });
    expect(runtime!.settingsApplied).to.include({ config_version: 3, 'pinned_images.sandbox': PAUSE_IMAGE });

    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as {
      cells: { runtime: { containerd: string; runc: string }; outcomes: Record<string, number>; signatures: Record<string, number> }[];
    };
    for (const cell of summary.cells) {
      expect(cell.runtime).to.include({ containerd: '2.1.4', runc: '1.3.3' });
      expect(cell.outcomes.ok).to.equal(8);
      for (const id of FAILURE_SIGNATURES) expect(cell.signatures[id] ?? 0, id).to.equal(0);
    }

    // The daemon read its version-3 config without converting it, and logged the 2.x sandbox noise that is not a failure.
    const log = readFileSync(join(runDir, 'logs', 'containerd-1.log'), 'utf8');
    expect(log).to.match(/containerd successfully booted/);
    expect(log).not.to.match(/Ignoring unknown key|Configuration migrated/i);
    const noise = log.split('\n').filter((line) => line.includes('TaskExit event in podsandbox handler'));
    expect(noise.length, 'debug log has podsandbox TaskExit lines').to.be.above(0);
    expect(scanLog(noise.join('\n'), 'noise.log')).to.deep.equal([]);
    expect(await hostLeftovers(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')).runId as string)).to.deep.equal([]);
  });

  describe("config honesty against 2.x's own config dump", () => {
    const work = mkdtempSync(join(tmpdir(), 'podchurn-config-2x-'));
    const stopTimeout = '[plugins."io.containerd.grpc.v1.cri".containerd]\n  stop_timeout = "60s"\n';
    const sandboxImage = '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:podchurn"\n';
    const streamIdle = '[plugins."io.containerd.grpc.v1.cri"]\n  stream_idle_timeout = "5m"\n';
    const pullTimeout = '[plugins."io.containerd.cri.v1.images"]\n  image_pull_progress_timeout = "7m"\n';

    async function dump(version: 2 | 3, patches: string[]): Promise<string> {
      const file = join(work, `config-v${version}-${patches.length}.toml`);
      // Merged the way kind and the local provider merge patches over a base config.
      writeFileSync(file, toToml(applyConfigPatches({ version }, patches)));
      const containerd = (await new RuntimeStore().get(CONTAINERD_KEY))!.binaries.containerd!;
      const result = await runCommand(containerd, ['--config', file, 'config', 'dump'], { timeoutMs: 30_000 });
      expect(result.exitCode, result.stderr).to.equal(0);
      return result.stdout;
    }

    it("on a version-2 base (kind's): stop_timeout ignored, sandbox_image migrated to pinned_images.sandbox, a server key applied", async () => {
      const patches = [stopTimeout, sandboxImage, streamIdle];
      expect(judgePatchKeys(patches, await dump(2, patches))).to.deep.equal([
        { key: 'plugins."io.containerd.grpc.v1.cri".containerd.stop_timeout', status: 'ignored' },
        { key: 'plugins."io.containerd.grpc.v1.cri".sandbox_image', status: 'migrated', to: 'plugins."io.containerd.cri.v1.images".pinned_images.sandbox' },
        { key: 'plugins."io.containerd.grpc.v1.cri".stream_idle_timeout', status: 'applied' },
      ]);
    });

    it("on a version-3 base (podchurn's): a 1.x-style key is ignored, a real 2.x key applied", async () => {
      const patches = [stopTimeout, sandboxImage, pullTimeout];
      expect(judgePatchKeys(patches, await dump(3, patches))).to.deep.equal([
        { key: 'plugins."io.containerd.grpc.v1.cri".containerd.stop_timeout', status: 'ignored' },
        { key: 'plugins."io.containerd.grpc.v1.cri".sandbox_image', status: 'ignored' },
        { key: 'plugins."io.containerd.cri.v1.images".image_pull_progress_timeout', status: 'applied' },
      ]);
    });
  });
});
