import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { runtimeCatalog } from '../../src/runtime/catalog.js';
import {
  kubernetesCommands,
  parseKubeadmShortVersion,
  parseKubectlClientVersion,
  parseKubernetesVersion,
  stagingModules,
  stagingVersion,
  wrapperGoMod,
  type KubernetesCommand,
} from '../../src/runtime/sources/kubernetes-build.js';
import { RuntimeStore, parseAnyKey } from '../../src/runtime/store.js';
import { runCli } from '../helpers/cli.js';

/** A go.mod shaped like k8s.io/kubernetes': staging replaces in a block and on a line of their own, plus distractors. */
const upstreamGoMod = `module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

require (
	github.com/example/dep v1.2.3
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
)

replace (
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/api => ./staging/src/k8s.io/api // the core types
	github.com/example/dep => github.com/example/fork v1.2.4
	k8s.io/odd => ./staging/src/k8s.io/elsewhere
)

replace k8s.io/kms v0.0.0 => ./staging/src/k8s.io/kms
replace k8s.io/cri-api => ../outside/k8s.io/cri-api
`;

/** What each real command prints when asked for its version the way the store asks it. */
function versionAnswer(name: KubernetesCommand, version: string): string {
  if (name === 'kubeadm') return `v${version}`;
  if (name === 'kubectl') return `Client Version: v${version}\nKustomize Version: v5.7.1`;
  return `Kubernetes v${version}`;
}

/** Fake Kubernetes commands: shell scripts answering the version probe the way the real ones do. */
function fakeKubernetes(dir: string, versions: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const name of kubernetesCommands)
    writeFileSync(join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${versionAnswer(name, versions[name] ?? versions.default!)}"\n`, { mode: 0o755 });
  return dir;
}

describe('kubernetes build recipe', () => {
  it('derives the staging modules from the replace directives that point into ./staging/src', () => {
    expect(stagingModules(upstreamGoMod)).to.deep.equal(['k8s.io/api', 'k8s.io/client-go', 'k8s.io/kms']);
    expect(stagingModules('module example.com/none\n\ngo 1.24\n')).to.deep.equal([]);
  });

  it('writes a wrapper go.mod pinning the release and replacing each staging module with its v0 twin', () => {
    const goMod = wrapperGoMod('1.34.4', upstreamGoMod);
    expect(goMod).to.include('\ngo 1.24.0\n').and.include('\ngodebug default=go1.24\n').and.include('\nrequire k8s.io/kubernetes v1.34.4\n');
    expect(goMod).to.include('\tk8s.io/api => k8s.io/api v0.34.4\n').and.include('\tk8s.io/kms => k8s.io/kms v0.34.4\n');
    expect(goMod).not.to.include('staging').and.not.include('github.com/example');
    expect(() => wrapperGoMod('1.34.4', 'module k8s.io/kubernetes\n')).to.throw(/names no staging modules/);
  });

  it('maps release versions to staging tags and reads --version output', () => {
    expect(stagingVersion('1.34.4')).to.equal('0.34.4');
    expect(stagingVersion('1.35.0-rc.1')).to.equal('0.35.0-rc.1');
    expect(() => stagingVersion('2.0.0')).to.throw(InputError);
    expect(parseKubernetesVersion('Kubernetes v1.34.4\n')).to.equal('1.34.4');
    expect(parseKubernetesVersion('kubelet version unknown')).to.equal(undefined);
    expect(parseKubeadmShortVersion('v1.34.4\n')).to.equal('1.34.4');
    expect(parseKubeadmShortVersion('kubeadm version: &version.Info{Major:"1"}')).to.equal(undefined);
    expect(parseKubectlClientVersion('Client Version: v1.34.4\nKustomize Version: v5.7.1\n')).to.equal('1.34.4');
  });

  it('builds kubeadm and kubectl into the same key as the control plane and kubelet', () => {
    expect(kubernetesCommands).to.include.members(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kubeadm', 'kubectl']);
  });

  it('has a catalog entry without a release download, so builds are the default source', () => {
    const spec = runtimeCatalog().kubernetes;
    expect(spec.module).to.equal('k8s.io/kubernetes');
    expect(spec.releaseUrl).to.equal(undefined);
    expect(parseAnyKey('kubernetes@v1.34.4')).to.deep.equal({ key: 'kubernetes@1.34.4', component: 'kubernetes', version: '1.34.4' });
  });
});

describe('kubernetes keys in the runtime store', () => {
  const root = mkdtempSync(join(tmpdir(), 'podchurn-k8s-store-'));

  it("installs the six binaries that report the key's version from a local directory", async () => {
    const store = new RuntimeStore(join(root, 'runtimes'));
    const entry = await store.install(parseAnyKey('kubernetes@1.34.4'), { fromDir: fakeKubernetes(join(root, 'good'), { default: '1.34.4' }) });
    expect(entry).to.include({ key: 'kubernetes@1.34.4', source: 'local-dir' });
    expect(Object.keys(entry.verifiedVersions).sort()).to.deep.equal([...kubernetesCommands].sort());
    expect(Object.values(entry.verifiedVersions)).to.deep.equal(kubernetesCommands.map(() => '1.34.4'));
  });

  it('treats an entry installed before kubeadm and kubectl were part of the key as not installed', async () => {
    const runtimes = join(root, 'stale-runtimes');
    const dir = join(runtimes, 'kubernetes@1.34.4');
    const fourCommands = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet'];
    fakeKubernetes(join(dir, 'bin'), { default: '1.34.4' });
    const binaries = Object.fromEntries(fourCommands.map((name) => [name, join(dir, 'bin', name)]));
    const manifest = {
      key: 'kubernetes@1.34.4',
      component: 'kubernetes',
      version: '1.34.4',
      source: 'go-build',
      origin: {},
      binaries,
      verifiedVersions: {},
      installedAt: '2026-11-27T00:00:00Z',
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const store = new RuntimeStore(runtimes);
    expect(await store.get('kubernetes@1.34.4')).to.equal(undefined);
    expect(await store.list()).to.deep.equal([]);
    let missing: unknown;
    try {
      await store.ensure(parseAnyKey('kubernetes@1.34.4'), { autoInstall: false });
    } catch (error) {
      missing = error;
    }
    expect((missing as Error).message).to.include('podchurn runtime fetch kubernetes@1.34.4');
  });

  it('refuses a set where one binary reports another version, and installs nothing', async () => {
    const store = new RuntimeStore(join(root, 'runtimes'));
    const dir = fakeKubernetes(join(root, 'mixed'), { default: '1.34.3', 'kube-apiserver': '1.34.3', kubelet: '1.33.7' });
    let refused: unknown;
    try {
      await store.install(parseAnyKey('kubernetes@1.34.3'), { fromDir: dir });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(InputError);
    expect((refused as Error).message).to.match(/kubelet reports version 1\.33\.7, not 1\.34\.3: refusing it as kubernetes@1\.34\.3/);
    expect(await store.get('kubernetes@1.34.3')).to.equal(undefined);
  });

  it('makes "runtime add --from" exit 2 with the mismatch named', async () => {
    const dir = fakeKubernetes(join(root, 'cli'), { default: '1.34.2' });
    const result = await runCli(['runtime', 'add', 'kubernetes@1.34.4', '--from', dir], { PODCHURN_CACHE_DIR: join(root, 'cli-cache') });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/reports version 1\.34\.2, not 1\.34\.4/);
  });
});
