import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { ApiserverHarness } from '../../src/cluster/apiserver-harness.js';
import { freeLoopbackPort } from '../../src/cluster/free-port.js';
import type { ClusterSpec } from '../../src/cluster/provider.js';
import { ExistingProvider } from '../../src/cluster/providers/existing.js';
import { KindProvider } from '../../src/cluster/providers/kind/kind-provider.js';
import { InfrastructureError } from '../../src/errors.js';
import { KUBERNETES_KEY, startApiserver } from '../helpers/apiserver.js';
import { provisionStoreKeys } from '../helpers/provision.js';
import { runCli } from '../helpers/cli.js';
import { FakeCli } from '../../packages/kind-node-wrapper/test/fake-cli.js';
import { fakeImages, fakeStore } from './fake-kind-inputs.js';

/** Registers a Node and sets its status.nodeInfo, as a kubelet would. */
async function registerNode(api: CoreV1Api, name: string, containerRuntimeVersion: string, ready = true): Promise<void> {
  const created = await api.createNode({ body: { metadata: { name, labels: { 'podchurn.io/test': 'cluster-api' } } } });
  const body: V1Node = {
    ...created,
    status: {
      nodeInfo: {
        architecture: 'amd64',
        bootID: 'b',
        containerRuntimeVersion,
        kernelVersion: '6.1.0',
        kubeProxyVersion: 'v1.34.0',
        kubeletVersion: 'v1.34.0',
        machineID: 'm',
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: 'u',
      },
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady' }],
    },
  };
  await api.replaceNodeStatus({ name, body });
}

function spec(fields: Partial<ClusterSpec>): ClusterSpec {
  return {
    provider: 'kind',
    name: 'pc-api',
    kubernetes: '1.34.0',
    containerd: 'system',
    runc: 'system',
    runtimeRequestTimeoutSeconds: 120,
    containerdConfigPatches: [],
    ...fields,
  };
}

describe('cluster providers against a real kube-apiserver', function () {
  // The CLI test starts several podchurn processes (tsx compiles first): slow on a busy machine.
  this.timeout(600_000);
  let harness: ApiserverHarness;
  let api: CoreV1Api;
  let work: string;

  before(provisionStoreKeys(KUBERNETES_KEY));
  before(async () => {
    harness = await startApiserver();
    const config = new KubeConfig();
    config.loadFromFile(harness.kubeconfig);
    api = config.makeApiClient(CoreV1Api);
    await registerNode(api, 'pc-api-control-plane', 'containerd://1.7.15');
    await registerNode(api, 'pc-api-worker', 'containerd://1.7.15', false);
    work = mkdtempSync(join(tmpdir(), 'podchurn-cluster-api-'));
  });
  after(async () => {
    await harness?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  describe('kind: runtimeVersions', () => {
    let fake: FakeCli;
    beforeEach(() => {
      fake = new FakeCli({ FAKE_KIND_KUBECONFIG: harness.kubeconfig }).install();
    });
    afterEach(() => fake.cleanup());

    it('joins node.status.nodeInfo from the API with the versions the binaries report in each node', async () => {
      const userConfig = join(work, 'two-nodes.yaml');
      writeFileSync(userConfig, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: worker\n');
      const provider = new KindProvider({
        stateRoot: join(work, 'state'),
        store: fakeStore(work, { containerd: '1.7.22', runc: '1.1.14' }),
        images: async () => fakeImages(work),
      });
      const handle = await provider.up(spec({ kindConfig: userConfig, containerd: '1.7.22' }));
      expect(await handle.runtimeVersions()).to.deep.equal([
        {
          node: 'pc-api-control-plane',
          containerRuntimeVersion: 'containerd://1.7.15',
          kubeletVersion: 'v1.34.0',
          containerd: '1.7.22',
          shim: '1.7.22',
          runc: '1.1.12',
        },
        {
          node: 'pc-api-worker',
          containerRuntimeVersion: 'containerd://1.7.15',
          kubeletVersion: 'v1.34.0',
          containerd: '1.7.22',
          shim: '1.7.22',
          runc: '1.1.12',
        },
      ]);
      await provider.down('pc-api');
    });
  });

  describe('existing', () => {
    it('attaches to the kubeconfig, lists nodes and their versions from the API, and creates nothing', async () => {
      const notices: string[] = [];
      const provider = new ExistingProvider();
      const handle = await provider.up(spec({ provider: 'existing', kubeconfig: harness.kubeconfig, containerd: '1.7.22' }), {
        onNotice: (line) => notices.push(line),
      });
      expect(handle.kubeconfig).to.equal(harness.kubeconfig);
      expect(handle.context).to.equal('podchurn');
      expect(notices[0]).to.match(/^attached to https:\/\/127\.0\.0\.1:\d+ \(Kubernetes v1\.34\.4, context podchurn\)/);
      expect(notices[1]).to.equal('ignored for an existing cluster (podchurn cannot change its nodes): containerd 1.7.22');
      expect(await handle.nodes()).to.deep.equal(['pc-api-control-plane', 'pc-api-worker']);
      expect(await handle.runtimeVersions()).to.deep.equal([
        { node: 'pc-api-control-plane', containerRuntimeVersion: 'containerd://1.7.15', kubeletVersion: 'v1.34.0' },
        { node: 'pc-api-worker', containerRuntimeVersion: 'containerd://1.7.15', kubeletVersion: 'v1.34.0' },
      ]);
      expect(await provider.down('anything')).to.deep.equal({ removed: [], leftovers: [] });
    });

    it('has no node access: exec, logs and the containerd config are clear infrastructure errors; exported logs hold what the API knows', async () => {
      const handle = await new ExistingProvider().up(spec({ provider: 'existing', kubeconfig: harness.kubeconfig }));
      for (const attempt of [
        () => handle.exec('pc-api-worker', ['true']),
        () => handle.logs('pc-api-worker', 'containerd'),
        () => handle.effectiveContainerdConfig('pc-api-worker'),
      ]) {
        let caught: unknown;
        await attempt().catch((error: unknown) => (caught = error));
        expect(caught).to.be.instanceOf(InfrastructureError);
        expect((caught as Error).message).to.include('an existing cluster gives podchurn only its Kubernetes API, no access to the nodes');
      }
      const dir = join(work, 'existing-logs');
      await handle.exportLogs(dir);
      expect(readdirSync(dir).sort()).to.deep.equal(['README.txt', 'nodes.json']);
      const nodes = JSON.parse(readFileSync(join(dir, 'nodes.json'), 'utf8')) as { name: string; ready: string }[];
      expect(nodes.map((n) => [n.name, n.ready])).to.deep.equal([
        ['pc-api-control-plane', 'Ready'],
        ['pc-api-worker', 'NotReady (KubeletNotReady)'],
      ]);
    });

    it('cluster status|up|down --provider existing through the CLI: exit 0 when the API answers, 3 when it does not', async () => {
      const status = await runCli(['cluster', 'status', '--provider', 'existing'], { KUBECONFIG: harness.kubeconfig });
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stdout).to.include(`existing/podchurn: running (kubeconfig ${harness.kubeconfig})`);
      expect(status.stdout).to.include('node/pc-api-control-plane: Ready');
      expect(status.stdout).to.include('node/pc-api-worker: NotReady (KubeletNotReady)');

      const up = await runCli(['cluster', 'up', '--provider', 'existing', '--kubeconfig', harness.kubeconfig]);
      expect(up.code, up.stderr).to.equal(0);
      expect(up.stdout).to.equal(`${harness.kubeconfig}\n`);

      const down = await runCli(['cluster', 'down', '--provider', 'existing']);
      expect(down.code, down.stderr).to.equal(0);
      expect(down.stderr).to.include('nothing was done');

      const missing = await runCli(['cluster', 'up', '--provider', 'existing', '--kubeconfig', join(work, 'no-such-kubeconfig')]);
      expect(missing.code).to.equal(3);
      expect(missing.stderr).to.include('the kubeconfig file does not exist');

      // A kubeconfig whose server does not answer.
      const port = await freeLoopbackPort();
      const dead = join(work, 'dead-kubeconfig');
      writeFileSync(dead, readFileSync(harness.kubeconfig, 'utf8').replace(/https:\/\/127\.0\.0\.1:\d+/, `https://127.0.0.1:${port}`));
      const unreachable = await runCli(['cluster', 'status', '--provider', 'existing'], { KUBECONFIG: dead });
      expect(unreachable.code).to.equal(3);
      expect(unreachable.stdout).to.include('existing/podchurn: not running');
      expect(unreachable.stdout).to.include(`does not answer`);
      // --kubeconfig wins over $KUBECONFIG.
      const named = await runCli(['cluster', 'status', '--provider', 'existing', '--kubeconfig', harness.kubeconfig], { KUBECONFIG: dead });
      expect(named.code, named.stderr).to.equal(0);
      expect(named.stdout).to.include(`existing/podchurn: running (kubeconfig ${harness.kubeconfig})`);
      const namedDead = await runCli(['cluster', 'status', '--provider', 'existing', '--kubeconfig', dead], { KUBECONFIG: harness.kubeconfig });
      expect(namedDead.code).to.equal(3);
      const badContext = await runCli(['cluster', 'up', '--provider', 'existing', '--kubeconfig', harness.kubeconfig, '--context', 'nope']);
      expect(badContext.code).to.equal(3);
      expect(badContext.stderr).to.include('no context named "nope"');
    });
  });
});
