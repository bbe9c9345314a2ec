import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { InputError } from '../../src/errors.js';
import { CriClient } from '../../src/cri/client.js';
import { importImages } from '../../src/images/builtin-images.js';
import {
  CONTROL_PLANE_IMAGE_LABELS,
  buildControlPlaneImages,
  controlPlaneImageReferences,
  kubeadmEtcdImageTag,
  type ControlPlaneImages,
} from '../../src/images/control-plane-images.js';
import { ManagedContainerd } from '../../src/runtime/managed-containerd.js';
import { RuntimeStore, parseAnyKey } from '../../src/runtime/store.js';
import { runCommand } from '../../src/util/exec.js';
import { externalContainerdOptions } from '../helpers/external-containerd.js';
import { provisionStoreKeys } from '../helpers/provision.js';

const KUBERNETES = '1.34.4';
/** What kubeadm 1.34 deploys (SupportedEtcdVersion[34] = 3.6.5-0). */
const ETCD = '3.6.5';

/** The lines `kubeadm config images list` prints: the images kubeadm would pull. */
async function kubeadmImageList(kubeadm: string, args: string[]): Promise<string[]> {
  const result = await runCommand(kubeadm, ['config', 'images', 'list', ...args], { timeoutMs: 60_000 });
  expect(result.exitCode, result.stderr).to.equal(0);
  return result.stdout.trim().split('\n').sort();
}

/** The image config (Entrypoint, Env, Labels) inside an OCI archive written by writeOciArchive. */
async function archiveImageConfig(archive: string): Promise<{ Entrypoint: string[]; Env: string[]; Labels: Record<string, string> }> {
  const files = new Map<string, Buffer>();
  const extractor = extract();
  extractor.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    // Only the small JSON blobs are kept; layers are skipped.
    stream.on('data', (chunk: unknown) => {
      if (header.size !== undefined && header.size < 65_536) chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      files.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  const finished = new Promise<void>((resolve, reject) => {
    extractor.on('finish', resolve);
    extractor.on('error', reject);
  });
  Readable.from(readFileSync(archive)).pipe(extractor);
  await finished;
  const index = JSON.parse(files.get('index.json')!.toString());
  const manifest = JSON.parse(files.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`)!.toString());
  return JSON.parse(files.get(`blobs/sha256/${manifest.config.digest.slice(7)}`)!.toString()).config;
}

describe('control-plane image references', () => {
  it("names the images kubeadm 1.34 pulls, etcd in kubeadm's <version>-0 form", () => {
    const references = controlPlaneImageReferences(`kubernetes@${KUBERNETES}`);
    expect(references.images).to.deep.equal({
      'kube-apiserver': 'registry.k8s.io/kube-apiserver:v1.34.4',
      'kube-controller-manager': 'registry.k8s.io/kube-controller-manager:v1.34.4',
      'kube-scheduler': 'registry.k8s.io/kube-scheduler:v1.34.4',
      etcd: 'registry.k8s.io/etcd:3.6.5-0',
      pause: 'registry.k8s.io/pause:3.10.1',
    });
    expect(references).to.include({ kubernetesVersion: '1.34.4', etcdVersion: ETCD, etcdImageTag: '3.6.5-0', etcdIsKubeadmDefault: true });
    expect(references.addonImages).to.deep.equal({ 'kube-proxy': 'registry.k8s.io/kube-proxy:v1.34.4', coredns: 'registry.k8s.io/coredns/coredns:v1.12.1' });
  });

  it('follows another etcd version, which a kubeadm config must then name', () => {
    const references = controlPlaneImageReferences('v1.34.2', 'etcd@3.6.4');
    expect(references.images.etcd).to.equal('registry.k8s.io/etcd:3.6.4-0');
    expect(references.images['kube-apiserver']).to.equal('registry.k8s.io/kube-apiserver:v1.34.2');
    expect(references.etcdIsKubeadmDefault).to.equal(false);
    expect(kubeadmEtcdImageTag('3.6.5')).to.equal('3.6.5-0');
  });

  it('refuses a Kubernetes line whose kubeadm defaults it does not know, naming the known ones', () => {
    expect(() => controlPlaneImageReferences('1.35.0')).to.throw(InputError, /Kubernetes 1\.35\.0; known release lines: 1\.34/);
    expect(() => controlPlaneImageReferences('latest')).to.throw(InputError);
  });
});

describe('control-plane images from the runtime store', function () {
  // Builds the store keys from the Go module proxy when they are missing (tens of minutes on two cores, cached after).
  this.timeout(45 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-control-plane-'));
  const store = new RuntimeStore();
  let built: ControlPlaneImages;
  let kubeadm: string;
  let daemon: ManagedContainerd | undefined;

  before(provisionStoreKeys(`kubernetes@${KUBERNETES}`, `etcd@${ETCD}`));
  before(async () => {
    const started = performance.now();
    built = await buildControlPlaneImages({ kubernetes: KUBERNETES, etcd: ETCD, store, onProgress: () => undefined });
    process.stderr.write(`    (control-plane images ready in ${Math.round(performance.now() - started) / 1000} s)\n`);
    kubeadm = (await store.ensure(parseAnyKey(`kubernetes@${KUBERNETES}`), { autoInstall: false })).kubeadm!;
  });
  after(async () => {
    if (daemon) expect((await daemon.stop()).unmountFailures).to.deep.equal([]);
  });

  it('matches what the built kubeadm itself would pull, apart from the addons it is told about', async () => {
    const ours = [...built.images.map((image) => image.reference), ...Object.values(built.references.addonImages)].sort();
    expect(await kubeadmImageList(kubeadm, ['--kubernetes-version', `v${KUBERNETES}`])).to.deep.equal(ours);
  });

  it('gives a kubeadm config that pulls exactly the five images built, for another etcd too', async () => {
    const references = controlPlaneImageReferences(KUBERNETES, '3.6.4');
    const config = join(work, 'kubeadm.yaml');
    writeFileSync(
      config,
      [
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: ClusterConfiguration',
        `kubernetesVersion: v${references.kubernetesVersion}`,
        `imageRepository: ${references.imageRepository}`,
        'etcd:',
        '  local:',
        `    imageTag: ${references.etcdImageTag}`,
        'proxy:',
        '  disabled: true',
        'dns:',
        '  disabled: true',
        '',
      ].join('\n'),
    );
    expect(await kubeadmImageList(kubeadm, ['--config', config])).to.deep.equal(Object.values(references.images).sort());
  });

  it('records in each image where its binary came from', async () => {
    const byComponent = Object.fromEntries(built.images.map((image) => [image.component, image]));
    expect(Object.keys(byComponent).sort()).to.deep.equal(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'pause']);
    expect(byComponent['kube-apiserver']!.labels).to.include({
      [CONTROL_PLANE_IMAGE_LABELS.storeKey]: `kubernetes@${KUBERNETES}`,
      [CONTROL_PLANE_IMAGE_LABELS.version]: KUBERNETES,
      [CONTROL_PLANE_IMAGE_LABELS.module]: 'k8s.io/kubernetes',
    });
    const etcdConfig = await archiveImageConfig(byComponent.etcd!.archive);
    expect(etcdConfig.Labels).to.include({
      [CONTROL_PLANE_IMAGE_LABELS.storeKey]: `etcd@${ETCD}`,
      [CONTROL_PLANE_IMAGE_LABELS.version]: ETCD,
      [CONTROL_PLANE_IMAGE_LABELS.component]: 'etcd',
    });
    expect(etcdConfig.Labels[CONTROL_PLANE_IMAGE_LABELS.binarySha256]).to.match(/^[0-9a-f]{64}$/);
    expect(etcdConfig.Entrypoint).to.deep.equal(['/usr/local/bin/etcd']);
    expect(etcdConfig.Env.some((line) => line.startsWith('PATH=') && line.split(':').includes('/usr/local/bin'))).to.equal(true);
    const pauseConfig = await archiveImageConfig(byComponent.pause!.archive);
    expect(pauseConfig.Entrypoint).to.deep.equal(['/pause']);
    expect(pauseConfig.Labels[CONTROL_PLANE_IMAGE_LABELS.pauseSource]).to.match(/images\/pause\/pause\.c/);
  });

  it('reuses the cached archives on a second call', async () => {
    const started = performance.now();
    const again = await buildControlPlaneImages({ kubernetes: KUBERNETES, etcd: ETCD, store, autoInstall: false });
    expect(again.images.map((image) => image.archive)).to.deep.equal(built.images.map((image) => image.archive));
    expect(performance.now() - started).to.be.below(30_000);
  });

  it('has store binaries that report the versions the images are tagged with', async () => {
    const etcd = (await store.ensure(parseAnyKey(`etcd@${ETCD}`), { autoInstall: false })).etcd!;
    expect((await runCommand(etcd, ['--version'])).stdout).to.match(new RegExp(`^etcd Version: ${ETCD.replace(/\./g, '\\.')}$`, 'm'));
    const apiserver = (await store.ensure(parseAnyKey(`kubernetes@${KUBERNETES}`), { autoInstall: false }))['kube-apiserver']!;
    expect((await runCommand(apiserver, ['--version'])).stdout.trim()).to.equal(`Kubernetes v${KUBERNETES}`);
  });

  it('imports into a real containerd, where CRI finds every reference and each binary runs from its image by name', async () => {
    const options = await externalContainerdOptions(work, 'control-plane');
    daemon = await ManagedContainerd.start(options);
    await importImages(options.binaries.ctr, daemon.socket, built.images);
    const ctr = (args: string[]) => runCommand(options.binaries.ctr, ['--address', daemon!.socket, '--namespace', 'k8s.io', ...args], { timeoutMs: 120_000 });

    const listed = (await ctr(['images', 'ls', '-q'])).stdout.trim().split('\n');
    const cri = new CriClient(daemon.socket);
    try {
      for (const image of built.images) {
        expect(listed, image.reference).to.include(image.reference);
        expect(await cri.imagePresent(image.reference), `CRI ImageStatus ${image.reference}`).to.equal(true);
      }
    } finally {
      cri.close();
    }

    // kubeadm's static pods give the command by name (`command: [etcd, ...]`): it must resolve on the image's PATH.
    const expected: Record<string, RegExp> = {
      'kube-apiserver': new RegExp(`^Kubernetes v${KUBERNETES}$`, 'm'),
      'kube-controller-manager': new RegExp(`^Kubernetes v${KUBERNETES}$`, 'm'),
      'kube-scheduler': new RegExp(`^Kubernetes v${KUBERNETES}$`, 'm'),
      etcd: new RegExp(`^etcd Version: ${ETCD}$`, 'm'),
    };
    for (const image of built.images.filter((i) => i.component !== 'pause')) {
      const id = `cp-${image.component}-${process.pid}`;
      const result = await ctr([
        'run',
        '--rm',
        '--net-host',
        '--runc-binary',
        options.binaries.runc,
        '--runc-root',
        join(daemon.state, 'ctr-runc'),
        '--cgroup',
        `${options.cgroupParent}/${id}`,
        image.reference,
        id,
        image.component,
        '--version',
      ]);
      expect(result.exitCode, `${image.component} --version in ${image.reference}: ${result.stderr}`).to.equal(0);
      expect(result.stdout, image.reference).to.match(expected[image.component]!);
    }
  });
});
