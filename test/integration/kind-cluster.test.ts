import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RunSummary } from '../../src/results/summary.js';
import { CRI_TOOLS_FOR_NODE } from '../../src/images/kind-node/node-image.js';
import { runCommand } from '../../src/util/exec.js';
import { runCli } from '../helpers/cli.js';
import { expectGracefulKubeRun, writeGracefulKubeScenario } from '../helpers/kube-run-checks.js';
import { ensureSetUp, ensureStoreKeys, KUBERNETES_KEY, PROVISION_TIMEOUT_MS } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';

/**
 * kind for real: a Docker engine (scripts/docker-engine.sh), the pinned kind CLI built from the Go
 * module proxy (scripts/kind-tool.sh), and an offline node image built here with containerd 1.7.22
 * and runc 1.1.14 baked in. Image builds are cached, so a warm run spends its time in kind create.
 */

const CONTAINERD = 'containerd@1.7.22';
const RUNC = 'runc@1.1.14';
const NAME = 'pc-kind-e2e';

async function docker(args: string[]): Promise<string> {
  const result = await runCommand('docker', args, { timeoutMs: 120_000 });
  expect(result.exitCode, `docker ${args.join(' ')}: ${result.stderr}`).to.equal(0);
  return result.stdout.trim();
}

/** Containers, volumes and networks of the kind cluster still in Docker. */
async function kindLeftovers(volumesBefore: Set<string>): Promise<string[]> {
  const containers = (await docker(['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${NAME}`, '--format', '{{.Names}}'])).split('\n').filter(Boolean);
  const volumes = (await docker(['volume', 'ls', '-q'])).split('\n').filter((v) => v && !volumesBefore.has(v));
  const networks = (await docker(['network', 'ls', '--filter', 'name=^kind$', '--format', '{{.Name}}'])).split('\n').filter(Boolean);
  return [...containers.map((c) => `container ${c}`), ...volumes.map((v) => `volume ${v}`), ...networks.map((n) => `network ${n}`)];
}

describe('kind provider on real kind (Docker engine, kind CLI, offline node image with pinned runtimes)', function () {
  this.timeout(1_800_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-kind-'));
  let image = '';

  // A Docker engine and the kind CLI (the test set-up starts and builds them), and the store keys the node
  // images bake in, so this file passes alone on an empty cache.
  before(async function () {
    this.timeout(PROVISION_TIMEOUT_MS);
    await ensureSetUp({ test: true });
    await ensureStoreKeys(CONTAINERD, 'containerd@1.7.15', RUNC, KUBERNETES_KEY, CRI_TOOLS_FOR_NODE);
  });
  before(async () => {
    const built = await runCli(['image', 'node', '--containerd', CONTAINERD, '--runc', RUNC]);
    expect(built.code, built.stderr).to.equal(0);
    image = built.stdout.trim();
  });

  it('podchurn image node: the image runs the pinned binaries and says so in its labels', async () => {
    expect(image).to.equal('podchurn.local/kind-node:v1.34.4-containerd1.7.22-runc1.1.14');
    const labels = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image])) as Record<string, string>;
    expect(labels).to.include({
      'io.podchurn.node-image.flavor': 'offline',
      'io.podchurn.kubernetes': '1.34.4',
      'io.podchurn.containerd': '1.7.22',
      'io.podchurn.runc': '1.1.14',
    });
    expect(await docker(['run', '--rm', '--entrypoint', '/usr/local/bin/containerd-shim-runc-v2', image, '-v'])).to.match(/Version:\s+v?1\.7\.22/);
    expect(await docker(['run', '--rm', '--entrypoint', '/usr/local/sbin/runc', image, '--version'])).to.match(/^runc version 1\.1\.14/);
    expect(await docker(['run', '--rm', '--entrypoint', 'cat', image, '/kind/version'])).to.equal('v1.34.4');
    // A second build with the same inputs reuses the image.
    const again = await runCli(['image', 'node', '--containerd', CONTAINERD, '--runc', RUNC]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.match(/up to date/);
  });

  it('podchurn image node --flavor online: one layer over a node image replaces containerd, shim, ctr and runc', async () => {
    // No registry here, so the offline image stands in for kindest/node as the base: the layer is the same.
    const online = await runCli([
      'image',
      'node',
      '--flavor',
      'online',
      '--base-image',
      image,
      '--containerd',
      'containerd@1.7.15',
      '--runc',
      RUNC,
      '--tag',
      'podchurn.local/kind-node:online-test',
    ]);
    expect(online.code, online.stderr).to.equal(0);
    const derived = online.stdout.trim();
    try {
      expect(await docker(['run', '--rm', '--entrypoint', '/usr/local/bin/containerd', derived, '--version'])).to.match(/ v?1\.7\.15 /);
      expect(await docker(['run', '--rm', '--entrypoint', '/usr/local/bin/containerd-shim-runc-v2', derived, '-v'])).to.match(/Version:\s+v?1\.7\.15/);
      const labels = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', derived])) as Record<string, string>;
      expect(labels).to.include({ 'io.podchurn.node-image.flavor': 'online', 'io.podchurn.containerd': '1.7.15', 'io.podchurn.node-image.base': image });
      // Exactly one layer more than the base.
      const layers = async (ref: string) => (JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref])) as string[]).length;
      expect(await layers(derived)).to.equal((await layers(image)) + 1);
    } finally {
      await docker(['rmi', derived]);
    }
  });

  it('cluster up, a kube run on it (grace 3 s, SIGTERM ignored), cluster down: latencies >= grace, all gone, nothing left in Docker', async () => {
    const volumesBefore = new Set((await docker(['volume', 'ls', '-q'])).split('\n').filter(Boolean));
    const stopTimeout = '[plugins."io.containerd.grpc.v1.cri".containerd]\n  stop_timeout = "60s"\n';
    const patch = join(work, 'stop-timeout.toml');
    writeFileSync(patch, stopTimeout);
    const up = await runCli([
      'cluster',
      'up',
      '--provider',
      'kind',
      '--name',
      NAME,
      '--build-node-image',
      'offline',
      '--containerd',
      CONTAINERD,
      '--runc',
      RUNC,
      '--runtime-request-timeout',
      '30',
      '--containerd-config-patch',
      patch,
    ]);
    expect(up.code, up.stderr).to.equal(0);
    expect(up.stderr).to.match(/carries the pinned runtimes/);
    try {
      const status = await runCli(['cluster', 'status', '--provider', 'kind', '--name', NAME]);
      expect(status.code, status.stdout).to.equal(0);
      // kind applied the patch and restarted containerd with it; the pinned runc is what the CRI runs.
      const node = `${NAME}-control-plane`;
      expect(await docker(['exec', node, 'cat', '/etc/containerd/config.toml'])).to.include('stop_timeout = "60s"');
      expect(await docker(['exec', node, 'crictl', 'version'])).to.match(/RuntimeVersion:\s+v?1\.7\.22/);

      const reports = join(work, 'reports');
      const scenario = writeGracefulKubeScenario(
        work,
        'kind-e2e',
        { provider: 'kind', name: NAME, nodeImageBuild: 'offline', containerdConfigPatches: [stopTimeout] },
        { runtime: { containerd: CONTAINERD, runc: RUNC } },
      );
      const run = await runCli(['run', scenario, '--reports-dir', reports, '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const runDir = runDirOf(reports);
      expectGracefulKubeRun(runDir, { pods: 20, graceMs: 3000, slackMs: 7000, runtimeLog: { exitLines: false } });

      // The kubelet's and the node containerd's stop timers per cell, scraped from the API's node proxy and the
      // node's address on kind's network: every pod's container stopped once, through the node's containerd.
      const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
      const metrics = summary.cells[0]!.runtimeMetrics!;
      expect(metrics.sources).to.deep.equal([`containerd/${node}`, `kubelet/${node}`]);
      expect(metrics.notes).to.deep.equal([]);
      const timer = (metric: string, operation?: string) => metrics.timers.find((t) => t.metric === metric && t.operation === operation);
      expect(timer('kubelet_runtime_operations_duration_seconds', 'stop_container')?.count).to.equal(20);
      expect(timer('containerd_cri_container_stop_seconds')?.count).to.equal(20);
      // SIGTERM ignored: each stop waited out the 3 s grace (the histogram's p50 lies in its bucket above 2.5 s).
      expect(timer('containerd_cri_container_stop_seconds')?.p50Ms).to.be.at.least(2500);

      // The node's measured versions and the config honesty check came from the kind node.
      const environment = JSON.parse(readFileSync(join(runDir, 'environment.json'), 'utf8')) as {
        providedClusters: {
          provider: string;
          broughtUp: boolean;
          ignoredConfigKeys: string[];
          hostSetup: { dockerEngine: { serverVersion?: string; capabilityWrapper?: boolean; capabilitiesRemoved?: number[] } };
          nodes: { kubeletVersion: string; containerRuntimeVersion: string }[];
        }[];
      };
      const [cluster] = environment.providedClusters;
      expect(cluster!.provider).to.equal('kind');
      expect(cluster!.broughtUp, 'the run attached to the running cluster').to.equal(false);
      expect(cluster!.nodes[0]!.kubeletVersion).to.equal('v1.34.4');
      expect(cluster!.nodes[0]!.containerRuntimeVersion).to.equal('containerd://1.7.22');
      expect(cluster!.ignoredConfigKeys).to.deep.equal(['plugins."io.containerd.grpc.v1.cri".containerd.stop_timeout']);
      // The Docker engine's set-up is part of the record: whether runc-capbnd was on, and what it removed (this host's CapBnd).
      const engine = cluster!.hostSetup.dockerEngine;
      expect(engine.serverVersion).to.match(/^\d+\.\d+/);
      const capBnd = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
      if ((capBnd >> 24n) & 1n) expect(engine.capabilitiesRemoved ?? []).to.not.include(24);
      else {
        expect(engine.capabilityWrapper).to.equal(true);
        expect(engine.capabilitiesRemoved).to.include(24);
      }
      // The node's containerd log (this run's part) was copied in.
      const logs = readdirSync(join(runDir, 'logs'));
      expect(
        logs.some((f) => f.startsWith(`containerd-${node}`)),
        logs.join(', '),
      ).to.equal(true);
    } finally {
      const down = await runCli(['cluster', 'down', '--provider', 'kind', '--name', NAME]);
      expect(down.code, down.stderr).to.equal(0);
    }
    expect(await kindLeftovers(volumesBefore)).to.deep.equal([]);
    expect(existsSync(join(work, 'reports'))).to.equal(true);
  });
});
