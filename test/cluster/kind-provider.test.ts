import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ClusterSpec } from '../../src/cluster/provider.js';
import { KindProvider } from '../../src/cluster/providers/kind/kind-provider.js';
import { InfrastructureError, InputError } from '../../src/errors.js';
import { FakeCli } from '../../packages/kind-node-wrapper/test/fake-cli.js';
import { fakeImages, fakeStore } from './fake-kind-inputs.js';

const NAME = 'pc-kind';

function spec(fields: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    provider: 'kind',
    name: NAME,
    kubernetes: '1.30.0',
    containerd: 'system',
    runc: 'system',
    runtimeRequestTimeoutSeconds: 120,
    containerdConfigPatches: [],
    ...fields,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('kind provider (fake kind and docker CLIs)', () => {
  let fake: FakeCli;
  let work: string;
  let stateRoot: string;
  let images: ReturnType<typeof fakeImages>;
  const provider = (store = fakeStore(work, { containerd: '1.7.22', runc: '1.1.14' })) => new KindProvider({ stateRoot, store, images: async () => images });
  const paths = (name = NAME) => ({ config: join(stateRoot, name, 'kind-config.yaml'), kubeconfig: join(stateRoot, name, 'kubeconfig') });
  const networkArgv = ['docker network inspect kind --format {{len .Containers}}', 'docker network rm kind'];
  const psArgv = (name = NAME) => `docker ps -a --filter label=io.x-k8s.kind.cluster=${name} --format {{json .}}`;

  beforeEach(() => {
    fake = new FakeCli().install();
    work = mkdtempSync(join(tmpdir(), 'podchurn-kind-test-'));
    stateRoot = join(work, 'state');
    images = fakeImages(work);
  });
  afterEach(() => {
    fake.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('up: creates the cluster from the generated config and the catalog image, then loads the offline images', async () => {
    const notices: string[] = [];
    const handle = await provider().up(spec(), { onNotice: (line) => notices.push(line) });
    expect(fake.lines()).to.deep.equal([
      'kind get clusters',
      `kind create cluster --name ${NAME} --config ${paths().config} --image kindest/node:v1.30.0 --kubeconfig ${paths().kubeconfig} --wait 120s`,
      `kind load image-archive ${images[0]!.archive} --name ${NAME}`,
      `kind load image-archive ${images[1]!.archive} --name ${NAME}`,
    ]);
    expect(handle.kubeconfig).to.equal(paths().kubeconfig);
    expect(readFileSync(handle.kubeconfig, 'utf8')).to.include(`current-context: kind-${NAME}`);
    const config = parseYaml(readFileSync(paths().config, 'utf8')) as Record<string, unknown>;
    expect(config).to.include({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    expect(config.kubeadmConfigPatches).to.deep.equal(['kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nruntimeRequestTimeout: 120s\n']);
    expect(notices.join('\n')).to.include('creating kind cluster pc-kind with kindest/node:v1.30.0 (containerd 1.7.15, runc 1.1.12)');
    expect(await handle.nodes()).to.deep.equal([`${NAME}-control-plane`]);
  });

  it('up: a Kubernetes version the catalog lacks takes the newest image of its minor, and says so', async () => {
    const notices: string[] = [];
    await provider().up(spec({ kubernetes: '1.34.4' }), { onNotice: (line) => notices.push(line) });
    expect(fake.lines()[1]).to.include('--image kindest/node:v1.34.0 ');
    expect(notices[0]).to.include('no node image for Kubernetes 1.34.4; using kindest/node:v1.34.0');
  });

  it('up: passes containerd patches and runtimeRequestTimeout through the user config, which is kept', async () => {
    const userConfig = join(work, 'two-nodes.yaml');
    writeFileSync(userConfig, '# two nodes\nkind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: worker\n');
    const patch = '[plugins."io.containerd.grpc.v1.cri".containerd]\n  stop_timeout = "60s"\n';
    const handle = await provider().up(
      spec({ kindConfig: userConfig, containerdConfigPatches: [patch], runtimeRequestTimeoutSeconds: 300, nodeImage: 'kindest/node:v1.31.2' }),
    );
    const text = readFileSync(paths().config, 'utf8');
    expect(text.startsWith('# two nodes\n')).to.equal(true);
    const config = parseYaml(text) as Record<string, unknown>;
    expect(config.nodes).to.deep.equal([{ role: 'control-plane' }, { role: 'worker' }]);
    // podchurn's own patch first (every node's containerd serves its metrics on the node's address), the user's after it.
    expect(config.containerdConfigPatches).to.deep.equal(['[metrics]\n  address = "0.0.0.0:1338"\n', patch]);
    expect(String((config.kubeadmConfigPatches as string[])[0])).to.include('runtimeRequestTimeout: 300s');
    // A user-named image is looked at first (a podchurn node image says what it is in its labels).
    expect(fake.lines()[0]).to.equal('docker image inspect --format {{json .Config.Labels}} kindest/node:v1.31.2');
    expect(fake.lines()[2]).to.include('--image kindest/node:v1.31.2 ');
    expect(await handle.nodes()).to.deep.equal([`${NAME}-control-plane`, `${NAME}-worker`]);
    // The fake node's config dump carries the patches kind applied.
    expect(await handle.effectiveContainerdConfig(`${NAME}-worker`)).to.include('stop_timeout = "60s"');
  });

  it('up with pins: copies the store binaries into every node, restarts containerd and verifies the versions there', async () => {
    const userConfig = join(work, 'two-nodes.yaml');
    writeFileSync(userConfig, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: worker\n');
    const store = fakeStore(work, { containerd: '1.7.22', runc: '1.1.14' });
    const bin = (key: string, name: string) => join(store.root, key, 'bin', name);
    const notices: string[] = [];
    const handle = await provider(store).up(spec({ kindConfig: userConfig, containerd: 'containerd@1.7.22', runc: '1.1.14' }), {
      onNotice: (line) => notices.push(line),
    });
    const perNode = (node: string) => [
      `docker cp ${bin('containerd@1.7.22', 'containerd')} ${node}:/usr/local/bin/containerd`,
      `docker cp ${bin('containerd@1.7.22', 'containerd-shim-runc-v2')} ${node}:/usr/local/bin/containerd-shim-runc-v2`,
      `docker cp ${bin('containerd@1.7.22', 'ctr')} ${node}:/usr/local/bin/ctr`,
      `docker cp ${bin('runc@1.1.14', 'runc')} ${node}:/usr/local/sbin/runc`,
      `docker exec ${node} systemctl restart containerd`,
      `docker exec ${node} containerd --version`,
      `docker exec ${node} containerd-shim-runc-v2 -v`,
      `docker exec ${node} runc --version`,
    ];
    expect(fake.lines()).to.deep.equal([
      'kind get clusters',
      `kind create cluster --name ${NAME} --config ${paths().config} --image kindest/node:v1.30.0 --kubeconfig ${paths().kubeconfig} --wait 120s`,
      `kind load image-archive ${images[0]!.archive} --name ${NAME}`,
      `kind load image-archive ${images[1]!.archive} --name ${NAME}`,
      `kind get nodes --name ${NAME}`,
      ...perNode(`${NAME}-control-plane`),
      ...perNode(`${NAME}-worker`),
    ]);
    expect(notices.filter((n) => n.includes('pinned containerd 1.7.22 (shim 1.7.22), runc 1.1.14'))).to.have.length(2);
    const worker = await handle.exec(`${NAME}-worker`, ['runc', '--version']);
    expect(worker.stdout).to.match(/^runc version 1\.1\.14\n/);
  });

  it('up with pins: a binary reporting another version in the node fails the up and removes the cluster it created', async () => {
    const store = fakeStore(work, { containerd: '1.7.22', runc: '1.1.14', runcReports: '1.1.13' });
    const error = await rejection(provider(store).up(spec({ runc: 'runc@1.1.14' })));
    expect(error).to.be.instanceOf(InfrastructureError);
    expect(error.message).to.include(`the pinned runtimes do not run on kind node ${NAME}-control-plane: runc reports 1.1.13, not 1.1.14`);
    const lines = fake.lines();
    expect(lines).to.include(`docker cp ${join(store.root, 'runc@1.1.14', 'bin', 'runc')} ${NAME}-control-plane:/usr/local/sbin/runc`);
    expect(lines).not.to.include(`docker cp ${join(store.root, 'containerd@1.7.22', 'bin', 'containerd')} ${NAME}-control-plane:/usr/local/bin/containerd`);
    expect(lines.slice(-6)).to.deep.equal([psArgv(), `kind delete cluster --name ${NAME}`, 'kind get clusters', psArgv(), ...networkArgv]);
    expect(existsSync(join(stateRoot, NAME))).to.equal(false);
  });

  it('up: a cluster of that name is reused (kubeconfig from kind), not created again', async () => {
    await provider().up(spec());
    rmSync(join(stateRoot, NAME), { recursive: true });
    fake.clearLog();
    const notices: string[] = [];
    const handle = await provider().up(spec(), { onNotice: (line) => notices.push(line) });
    expect(fake.lines()).to.deep.equal([
      'kind get clusters',
      `kind get kubeconfig --name ${NAME}`,
      `kind load image-archive ${images[0]!.archive} --name ${NAME}`,
      `kind load image-archive ${images[1]!.archive} --name ${NAME}`,
    ]);
    expect(readFileSync(handle.kubeconfig, 'utf8')).to.include(`name: kind-${NAME}`);
    expect(notices.join('\n')).to.include(`kind cluster ${NAME} already exists: attaching to it`);
    expect(await provider().attach(NAME)).to.have.property('kubeconfig', paths().kubeconfig);
    expect(await provider().attach('no-such-cluster')).to.equal(undefined);
  });

  it("up: a failing create is an infrastructure error with kind's last words, and leaves no state behind", async () => {
    fake.set('FAKE_CLI_FAIL', 'kind create cluster');
    const error = await rejection(provider().up(spec()));
    expect(error).to.be.instanceOf(InfrastructureError);
    expect(error.message).to.include(`kind could not create cluster ${NAME}`);
    expect(error.message).to.include('ERROR: failed to create cluster: failed to init node with kubeadm');
    expect(existsSync(join(stateRoot, NAME))).to.equal(false);
    expect(fake.lines().filter((l) => l.startsWith('kind load'))).to.deep.equal([]);
  });

  it('up: an unreadable kind config is bad input, caught before anything runs', async () => {
    const error = await rejection(provider().up(spec({ kindConfig: join(work, 'missing.yaml') })));
    expect(error).to.be.instanceOf(InputError);
    expect(error.message).to.include(`kind config ${join(work, 'missing.yaml')} cannot be read`);
    expect(fake.calls()).to.deep.equal([]);
  });

  it('up: a missing kind binary is an infrastructure error saying what to install', async () => {
    fake.install({}, [fake.dockerOnlyDir()]);
    const error = await rejection(provider().up(spec()));
    expect(error).to.be.instanceOf(InfrastructureError);
    expect(error.message).to.match(/^kind was not found on PATH: install kind/);
  });

  it('down: deletes the cluster, checks kind and docker, removes the state dir', async () => {
    await provider().up(spec());
    fake.clearLog();
    const teardown = await provider().down(NAME);
    // kind keeps its Docker network; once no container is attached, down removes it too.
    expect(fake.lines()).to.deep.equal([psArgv(), `kind delete cluster --name ${NAME}`, 'kind get clusters', psArgv(), ...networkArgv]);
    expect(teardown.leftovers).to.deep.equal([]);
    expect(teardown.removed).to.deep.equal([`kind node container ${NAME}-control-plane`, 'docker network kind', `state directory ${join(stateRoot, NAME)}`]);
    expect(existsSync(join(stateRoot, NAME))).to.equal(false);
    // A second down finds nothing and says so.
    const notices: string[] = [];
    expect(await provider().down(NAME, { onNotice: (line) => notices.push(line) })).to.deep.equal({ removed: [], leftovers: [] });
    expect(notices).to.deep.equal([`no kind cluster named ${NAME} was running`]);
  });

  it('down: node containers that survive the delete are reported as leftovers', async () => {
    await provider().up(spec());
    fake.set('FAKE_KIND_DELETE_LEAVES', '1');
    const teardown = await provider().down(NAME);
    expect(teardown.leftovers).to.deep.equal([
      `kind cluster ${NAME} (still listed by kind get clusters)`,
      `docker container ${NAME}-control-plane (Exited (137) 1 second ago; label io.x-k8s.kind.cluster=${NAME})`,
    ]);
  });

  it("status: kind's list and the node containers' states", async () => {
    expect(await provider().status(NAME)).to.deep.equal({ name: NAME, provider: 'kind', running: false, kubeconfig: undefined, components: [] });
    await provider().up(spec());
    fake.clearLog();
    const status = await provider().status(NAME);
    expect(fake.lines()).to.deep.equal(['kind get clusters', psArgv()]);
    expect(status).to.deep.equal({
      name: NAME,
      provider: 'kind',
      running: true,
      kubeconfig: paths().kubeconfig,
      components: [{ name: `${NAME}-control-plane`, state: 'Up 10 seconds' }],
    });
    fake.set('FAKE_DOCKER_DOWN', '1');
    const error = await rejection(provider().status(NAME));
    expect(error).to.be.instanceOf(InfrastructureError);
    expect(error.message).to.include('Cannot connect to the Docker daemon');
  });

  it('handle: exec, logs, config dump and log export run the documented commands', async () => {
    const handle = await provider().up(spec());
    const node = `${NAME}-control-plane`;
    fake.clearLog();
    const echoed = await handle.exec(node, ['echo', 'a b', '$HOME']);
    expect(echoed).to.deep.include({ exitCode: 0, stdout: 'a b $HOME\n' });
    const missing = await handle.exec(node, ['no-such-program']);
    expect(missing.exitCode).to.equal(126);
    expect(await handle.logs(node, 'containerd')).to.include('containerd successfully booted');
    expect(await handle.logs(node, 'kubelet')).to.include('Started kubelet');
    expect(await handle.effectiveContainerdConfig(node)).to.include('version = 2');
    expect(await handle.runtimeState!(node, 'abc123')).to.match(/crictl inspect abc123 \(exit 0\)[\s\S]*CONTAINER_RUNNING/);
    const logs = join(work, 'logs');
    await handle.exportLogs(logs);
    expect(readdirSync(logs)).to.include(node);
    expect(fake.lines()).to.deep.equal([
      `docker exec ${node} echo a b $HOME`,
      `docker exec ${node} no-such-program`,
      `docker exec ${node} journalctl -u containerd --no-pager`,
      `docker exec ${node} journalctl -u kubelet --no-pager`,
      `docker exec ${node} containerd config dump`,
      `docker exec ${node} crictl inspect abc123`,
      `kind export logs ${logs} --name ${NAME}`,
    ]);
    // The argv reached docker as separate arguments, never through a shell.
    expect(fake.calls()[0]!.argv).to.deep.equal(['exec', node, 'echo', 'a b', '$HOME']);
    // A "node" that docker would read as an option is refused before anything runs.
    fake.clearLog();
    expect(await rejection(handle.exec('--privileged', ['true']))).to.be.instanceOf(InputError);
    expect(await rejection(handle.logs('-d', 'kubelet'))).to.be.instanceOf(InputError);
    expect(fake.calls()).to.deep.equal([]);
  });

  it('rejects a cluster name kind cannot take', async () => {
    const error = await rejection(provider().status('Bad/Name'));
    expect(error).to.be.instanceOf(InputError);
  });
});
