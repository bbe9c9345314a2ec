import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KindCluster,
  KindInputError,
  KindToolError,
  createCluster,
  deleteCluster,
  listClusters,
  pinNodeRuntimes,
  removeIdleKindNetwork,
  renderKindConfig,
  type NodePins,
} from '../src/index.js';
import { FakeCli } from './fake-cli.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** An executable that prints `output`, standing in for a runtime binary of some version. */
function versionScript(file: string, output: string): string {
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${output}'\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * The wrapper's contract with the kind and docker command lines, against fake executables that
 * answer with kind's and docker's own formats and messages (test/fake-cli/): the exact argv each
 * operation runs, what it parses from the answers, and how each failure reaches the caller.
 */
describe('kind-node-wrapper against the kind and docker CLIs (fakes)', () => {
  let fake: FakeCli;
  let work: string;
  let config: string;

  beforeEach(() => {
    fake = new FakeCli().install();
    work = mkdtempSync(join(tmpdir(), 'kind-node-wrapper-test-'));
    config = join(work, 'kind-config.yaml');
    writeFileSync(config, renderKindConfig({ containerdConfigPatches: [], runtimeRequestTimeoutSeconds: 120 }));
  });
  afterEach(() => {
    fake.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const create = (name: string) => createCluster({ name, config, image: 'kindest/node:v1.34.0', kubeconfig: join(work, name, 'kubeconfig'), waitSeconds: 60 });

  it('creates, lists, loads an archive into, and deletes a cluster with the documented argv', async () => {
    expect(await listClusters()).to.deep.equal([]);
    const cluster = await create('kw-one');
    expect(cluster.name).to.equal('kw-one');
    expect(await listClusters()).to.deep.equal(['kw-one']);
    expect(await cluster.nodes()).to.deep.equal(['kw-one-control-plane']);
    expect((await cluster.containers()).map((c) => [c.Names, c.Status])).to.deep.equal([['kw-one-control-plane', 'Up 10 seconds']]);
    expect(await cluster.kubeconfig()).to.include('current-context: kind-kw-one');
    expect(readFileSync(join(work, 'kw-one', 'kubeconfig'), 'utf8')).to.include('server: https://127.0.0.1:');
    const archive = join(work, 'image.tar');
    writeFileSync(archive, 'an archive');
    await cluster.loadImageArchive(archive);
    expect((await deleteCluster('kw-one')).exitCode).to.equal(0);
    expect(await listClusters()).to.deep.equal([]);
    expect(await removeIdleKindNetwork()).to.equal(true);
    expect(fake.lines()).to.deep.equal([
      'kind get clusters',
      `kind create cluster --name kw-one --config ${config} --image kindest/node:v1.34.0 --kubeconfig ${join(work, 'kw-one', 'kubeconfig')} --wait 60s`,
      'kind get clusters',
      'kind get nodes --name kw-one',
      'docker ps -a --filter label=io.x-k8s.kind.cluster=kw-one --format {{json .}}',
      'kind get kubeconfig --name kw-one',
      `kind load image-archive ${archive} --name kw-one`,
      'kind delete cluster --name kw-one',
      'kind get clusters',
      'docker network inspect kind --format {{len .Containers}}',
      'docker network rm kind',
    ]);
  });

  it('runs commands on nodes as argv (never a shell), reads journals, exports logs, and leaves out the load balancer', async () => {
    writeFileSync(config, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: control-plane\n  - role: worker\n');
    const cluster = await create('kw-nodes');
    expect(await cluster.nodes()).to.deep.equal(['kw-nodes-control-plane', 'kw-nodes-control-plane2', 'kw-nodes-worker']);
    const node = 'kw-nodes-worker';
    expect(await cluster.exec(node, ['echo', 'a b', '$HOME'])).to.deep.include({ exitCode: 0, stdout: 'a b $HOME\n' });
    expect((await cluster.exec(node, ['false'])).exitCode, 'a failing command is a result, not an error').to.equal(1);
    expect(await cluster.journal(node, 'kubelet')).to.include('Started kubelet');
    const failed = await rejection(cluster.execOk(node, ['no-such-program'], 'running no-such-program'));
    expect(failed).to.be.instanceOf(KindToolError);
    expect((failed as KindToolError).exitCode).to.equal(126);
    expect(failed.message).to.match(/^running no-such-program failed: docker exec kw-nodes-worker no-such-program exited 126:\n.*executable file not found/);
    const logs = join(work, 'logs');
    await cluster.exportLogs(logs);
    expect(readdirSync(logs)).to.include(node);
    expect(fake.calls().find((c) => c.argv[0] === 'exec')!.argv).to.deep.equal(['exec', node, 'echo', 'a b', '$HOME']);
  });

  it('copies pinned binaries into each node, restarts containerd there, and checks what runs', async () => {
    const cluster = await create('kw-pins');
    const bin = join(work, 'bin');
    mkdirSync(bin);
    const pins: NodePins = {
      containerd: {
        version: '1.7.22',
        binaries: {
          containerd: versionScript(join(bin, 'containerd'), 'containerd github.com/containerd/containerd v1.7.22 7f7fdf5'),
          'containerd-shim-runc-v2': versionScript(join(bin, 'containerd-shim-runc-v2'), 'containerd-shim-runc-v2:\n  Version:  v1.7.22'),
          ctr: versionScript(join(bin, 'ctr'), 'ctr github.com/containerd/containerd v1.7.22'),
        },
      },
      runc: { version: '1.1.14', binary: versionScript(join(bin, 'runc'), 'runc version 1.1.13') },
    };
    fake.clearLog();
    const error = await rejection(pinNodeRuntimes(await cluster.nodes(), pins));
    expect(error).to.be.instanceOf(KindToolError);
    expect(error.message).to.include('the pinned runtimes do not run on kind node kw-pins-control-plane: runc reports 1.1.13, not 1.1.14');
    const lines = fake.lines();
    expect(lines).to.include(`docker cp ${join(bin, 'runc')} kw-pins-control-plane:/usr/local/sbin/runc`);
    expect(lines).to.include('docker exec kw-pins-control-plane systemctl restart containerd');

    versionScript(join(bin, 'runc'), 'runc version 1.1.14');
    const notices: string[] = [];
    const measured = await pinNodeRuntimes(await cluster.nodes(), pins, (line) => notices.push(line));
    expect(measured).to.deep.equal([{ node: 'kw-pins-control-plane', containerd: '1.7.22', shim: '1.7.22', runc: '1.1.14' }]);
    expect(notices).to.deep.equal(['kw-pins-control-plane: pinned containerd 1.7.22 (shim 1.7.22), runc 1.1.14; pods created from now on use them']);
  });

  it("a failed create is a KindToolError with kind's exit code and last words", async () => {
    fake.set('FAKE_CLI_FAIL', 'kind create cluster');
    const error = await rejection(create('kw-fails'));
    expect(error).to.be.instanceOf(KindToolError);
    expect((error as KindToolError).exitCode).to.equal(1);
    expect(error.message).to.include('kind could not create cluster kw-fails');
    expect(error.message).to.include('ERROR: failed to create cluster: failed to init node with kubeadm');
  });

  it('a missing kind or an unreachable Docker daemon is a KindToolError that says so', async () => {
    fake.install({}, [fake.dockerOnlyDir()]);
    const missing = await rejection(listClusters());
    expect(missing).to.be.instanceOf(KindToolError);
    expect(missing.message).to.match(/^kind was not found on PATH: install kind/);
    expect((missing as KindToolError).exitCode).to.equal(undefined);

    fake.install();
    fake.set('FAKE_DOCKER_DOWN', '1');
    const down = await rejection(new KindCluster('kw-down').containers());
    expect(down).to.be.instanceOf(KindToolError);
    expect(down.message).to.include('Cannot connect to the Docker daemon');
  });

  it('refuses cluster and node names kind or docker would misread, before running anything', async () => {
    expect(() => new KindCluster('Bad/Name')).to.throw(KindInputError, /cannot name a kind cluster/);
    expect(await rejection(deleteCluster('--all'))).to.be.instanceOf(KindInputError);
    const cluster = new KindCluster('kw-names');
    expect(await rejection(cluster.exec('--privileged', ['true']))).to.be.instanceOf(KindInputError);
    expect(await rejection(cluster.journal('-d', 'kubelet'))).to.be.instanceOf(KindInputError);
    expect(fake.calls()).to.deep.equal([]);
  });
});
