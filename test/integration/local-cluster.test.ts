import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { localClusterLayout } from '../../src/cluster/providers/local/layout.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { clusterLeftovers } from '../helpers/local-cluster-leftovers.js';
import { expectGracefulKubeRun, writeGracefulKubeScenario } from '../helpers/kube-run-checks.js';
import { KUBERNETES_KEY, provisionStoreKeys } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';

const writeScenario = (dir: string, name: string, cluster: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
  writeGracefulKubeScenario(dir, name, { provider: 'local', ...cluster }, overrides);

describe('local provider: a single-node Kubernetes from processes (real etcd, apiserver, controllers, kubelet, containerd)', function () {
  this.timeout(600_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-local-'));
  before(provisionStoreKeys(KUBERNETES_KEY));

  it('cluster up, a kube run on it (grace 3 s, SIGTERM ignored), cluster down: latencies >= grace, all gone, nothing left', async () => {
    const name = 'pc-e2e';
    const up = await runCli(['cluster', 'up', '--provider', 'local', '--name', name, '--runtime-request-timeout', '30']);
    expect(up.code, up.stderr).to.equal(0);
    const kubeconfig = up.stdout.trim();
    expect(kubeconfig).to.equal(localClusterLayout(name).kubeconfig);
    try {
      const status = await runCli(['cluster', 'status', '--provider', 'local', '--name', name]);
      expect(status.code).to.equal(0);
      for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'containerd', 'kubelet']) {
        expect(status.stdout).to.match(new RegExp(`${component}: running`));
      }

      const reports = join(work, 'reports-e2e');
      const scenario = writeScenario(work, 'local-e2e', { name });
      const run = await runCli(['run', scenario, '--reports-dir', reports, '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const runDir = runDirOf(reports);
      // SIGTERM ignored: every pod waited out its 3 s grace, none took longer than grace + the 7 s slack.
      expectGracefulKubeRun(runDir, { pods: 20, graceMs: 3000, slackMs: 7000, runtimeLog: { exitLines: false } });

      // report.html charts deletion latency for a kube run: one ECDF point per pod.
      const html = readFileSync(join(runDir, 'report.html'), 'utf8');
      const chartData = JSON.parse(/<script type="application\/json" id="podchurn-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as {
        latency: { title: string };
        ecdf: { x: number[] }[];
      };
      expect(chartData.latency.title).to.equal('Deletion latency');
      expect(chartData.ecdf[0]!.x.length).to.equal(20);
      expect(Math.min(...chartData.ecdf[0]!.x)).to.be.at.least(3000);

      const environment = JSON.parse(readFileSync(join(runDir, 'environment.json'), 'utf8')) as {
        providedClusters: { broughtUp: boolean; nodes: { kubeletVersion: string; containerRuntimeVersion: string }[] }[];
      };
      const [cluster] = environment.providedClusters;
      expect(cluster!.broughtUp, 'the run attached to the running cluster').to.equal(false);
      expect(cluster!.nodes[0]!.kubeletVersion).to.equal('v1.34.4');
      expect(cluster!.nodes[0]!.containerRuntimeVersion).to.match(/^containerd:\/\//);
      // The run kept the cluster it did not bring up.
      expect((await runCli(['cluster', 'status', '--provider', 'local', '--name', name])).code).to.equal(0);
    } finally {
      const down = await runCli(['cluster', 'down', '--provider', 'local', '--name', name]);
      expect(down.code, down.stderr).to.equal(0);
    }
    expect(await clusterLeftovers(name)).to.deep.equal([]);
    const status = await runCli(['cluster', 'status', '--provider', 'local', '--name', name]);
    expect(status.code).to.equal(3);
    expect(status.stdout).to.match(/not running/);
  });

  it('a run that brings its own cluster checks its config patches and removes it, also when interrupted (exit 130)', async () => {
    const name = 'pc-own';
    const reports = join(work, 'reports-own');
    const patches = [
      '[plugins."io.containerd.grpc.v1.cri".containerd]\n  stop_timeout = "60s"\n',
      '[plugins."io.containerd.grpc.v1.cri"]\n  stream_idle_timeout = "5m"\n',
    ];
    const scenario = writeScenario(work, 'local-own', { name, containerdConfigPatches: patches }, { cycles: 3 });
    const { child, done } = spawnCli(['run', scenario, '--reports-dir', reports]);
    // Interrupt once pods are being churned on the cluster the run started.
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      const runDir = existsSync(reports) && readdirSync(reports).length ? runDirOf(reports) : undefined;
      if (runDir && existsSync(join(runDir, 'events.jsonl')) && readFileSync(join(runDir, 'events.jsonl'), 'utf8').includes('"kind":"ready"')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    child.kill('SIGINT');
    const result = await done;
    expect(result.code, result.stderr).to.equal(130);
    expect(await clusterLeftovers(name)).to.deep.equal([]);
    const environment = JSON.parse(readFileSync(join(runDirOf(reports), 'environment.json'), 'utf8')) as {
      providedClusters: { broughtUp: boolean; ignoredConfigKeys: string[] }[];
    };
    expect(environment.providedClusters[0]!.broughtUp).to.equal(true);
    // stop_timeout is not a containerd setting: the node's config dump does not have it; stream_idle_timeout is kept.
    const ignored = ['plugins."io.containerd.grpc.v1.cri".containerd.stop_timeout'];
    expect(environment.providedClusters[0]!.ignoredConfigKeys).to.deep.equal(ignored);
    const summary = JSON.parse(readFileSync(join(runDirOf(reports), 'summary.json'), 'utf8')) as { ignoredConfigKeys: { key: string }[] };
    expect(summary.ignoredConfigKeys.map((k) => k.key)).to.deep.equal(ignored);
    expect(readFileSync(join(runDirOf(reports), 'report.md'), 'utf8')).to.match(/## Config keys containerd ignored[\s\S]*stop\\?_timeout/);
    // The kubelet's and containerd's logs came into the run directory before the cluster went.
    expect(readFileSync(join(runDirOf(reports), 'logs', 'cluster-pc-own-1', 'kubelet.log'), 'utf8')).to.match(/kubelet/i);
  });

  describe('on containerd 2.x and runc 1.3 pins', () => {
    before(provisionStoreKeys('containerd@2.1.4', 'runc@1.3.3'));

    it('the node runs 2.1.4 / 1.3.3 with a version-3 config; a 1.x-style patch key is reported ignored, a kept one is not', async () => {
      const name = 'pc-2x';
      const reports = join(work, 'reports-2x');
      const patches = [
        '[plugins."io.containerd.grpc.v1.cri".containerd]\n  stop_timeout = "60s"\n',
        '[plugins."io.containerd.grpc.v1.cri"]\n  stream_idle_timeout = "5m"\n',
      ];
      const scenario = writeScenario(work, 'local-2x', { name, containerdConfigPatches: patches }, { runtime: { containerd: '2.1.4', runc: '1.3.3' } });
      const run = await runCli(['run', scenario, '--reports-dir', reports]);
      expect(run.code, run.stderr).to.equal(0);
      const runDir = runDirOf(reports);
      expectGracefulKubeRun(runDir, { pods: 20, graceMs: 3000, slackMs: 7000, runtimeLog: { exitLines: true } });
      const environment = JSON.parse(readFileSync(join(runDir, 'environment.json'), 'utf8')) as {
        providedClusters: {
          broughtUp: boolean;
          nodes: { containerRuntimeVersion: string; containerd: string; shim: string; runc: string }[];
          ignoredConfigKeys: string[];
        }[];
      };
      const [cluster] = environment.providedClusters;
      expect(cluster!.broughtUp).to.equal(true);
      expect(cluster!.nodes[0]!.containerRuntimeVersion).to.match(/^containerd:\/\/v?2\.1\.4/);
      expect(cluster!.nodes[0]).to.include({ containerd: '2.1.4', shim: '2.1.4', runc: '1.3.3' });
      expect(cluster!.ignoredConfigKeys).to.deep.equal(['plugins."io.containerd.grpc.v1.cri".containerd.stop_timeout']);
      // The node's containerd read a version-3 config as written: nothing converted, and the only unknown key 2.x
      // warns about is the patch's 1.x-style table (stop_timeout's) under the server-only CRI plugin.
      const log = readFileSync(join(runDir, 'logs', `cluster-${name}-1`, 'containerd.log'), 'utf8');
      expect(log).not.to.match(/Configuration migrated/);
      const unknown = log.split('\n').filter((line) => line.includes('Ignoring unknown key'));
      expect(unknown).to.have.length(1);
      expect(unknown[0]).to.match(/key=containerd plugin=io\.containerd\.grpc\.v1\.cri/);
      expect(await clusterLeftovers(name)).to.deep.equal([]);
    });
  });

  it('a component that fails to start is named with its log tail (exit 3) and nothing is left', async () => {
    const name = 'pc-broken';
    const patch = join(work, 'broken.toml');
    // A type error in the CRI plugin's config: containerd refuses to start with it.
    writeFileSync(patch, 'version = "not-a-number"\n');
    const up = await runCli(['cluster', 'up', '--provider', 'local', '--name', name, '--containerd-config-patch', patch]);
    expect(up.code).to.equal(3);
    expect(up.stderr).to.match(/local cluster: containerd exited during start-up/);
    expect(up.stderr).to.match(/Last log lines/);
    expect(await clusterLeftovers(name)).to.deep.equal([]);
  });
});
