import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KindInputError, kubeletPatch, renderKindConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kind-node-wrapper-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('kind cluster config generation', () => {
  const stopTimeout = '[plugins."io.containerd.grpc.v1.cri".containerd]\n  stop_timeout = "60s"\n';

  it('without a user config: a Cluster with the containerd patches and the kubelet runtimeRequestTimeout', () => {
    const config = parseYaml(renderKindConfig({ containerdConfigPatches: [stopTimeout], runtimeRequestTimeoutSeconds: 90 })) as Record<string, unknown>;
    expect(config).to.deep.equal({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      containerdConfigPatches: [stopTimeout],
      kubeadmConfigPatches: ['kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nruntimeRequestTimeout: 90s\n'],
    });
    // The patch is itself a KubeletConfiguration document kind merges into kubeadm's.
    expect(parseYaml(kubeletPatch(90))).to.deep.equal({
      kind: 'KubeletConfiguration',
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      runtimeRequestTimeout: '90s',
    });
  });

  it("keeps the user config (comments, nodes, networking, own patches) and appends the caller's patches after the user's", () => {
    const user = file(
      'user.yaml',
      [
        '# my lab cluster',
        'kind: Cluster',
        'apiVersion: kind.x-k8s.io/v1alpha4',
        'networking:',
        '  disableDefaultCNI: false # keep kindnet',
        'nodes:',
        '  - role: control-plane',
        '  - role: worker',
        'containerdConfigPatches:',
        '  - |-',
        '    [plugins."io.containerd.grpc.v1.cri"]',
        '      enable_unprivileged_ports = true',
        'kubeadmConfigPatches:',
        '  - |',
        '    kind: KubeletConfiguration',
        '    runtimeRequestTimeout: 10s',
        '',
      ].join('\n'),
    );
    const text = renderKindConfig({ configFile: user, containerdConfigPatches: [stopTimeout], runtimeRequestTimeoutSeconds: 300 });
    expect(text).to.match(/^# my lab cluster\n/);
    expect(text).to.include('disableDefaultCNI: false # keep kindnet');
    const config = parseYaml(text) as Record<string, unknown>;
    expect(config.nodes).to.deep.equal([{ role: 'control-plane' }, { role: 'worker' }]);
    expect(config.containerdConfigPatches).to.deep.equal(['[plugins."io.containerd.grpc.v1.cri"]\n  enable_unprivileged_ports = true', stopTimeout]);
    // The appended kubelet patch comes last, so its runtimeRequestTimeout is the one kind applies.
    expect(config.kubeadmConfigPatches).to.deep.equal(['kind: KubeletConfiguration\nruntimeRequestTimeout: 10s\n', kubeletPatch(300)]);
  });

  it('an empty or comment-only user config is an empty Cluster', () => {
    for (const text of ['', '# nothing here\n']) {
      const config = parseYaml(
        renderKindConfig({ configFile: file('empty.yaml', text), containerdConfigPatches: [], runtimeRequestTimeoutSeconds: 120 }),
      ) as Record<string, unknown>;
      expect(config).to.include({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    }
  });

  it('refuses what kind would not take, as bad input naming the file', () => {
    const cases: [string, string, RegExp][] = [
      ['wrong-kind.yaml', 'kind: Pod\napiVersion: v1\n', /kind is "Pod"; a kind config has kind: Cluster/],
      ['old-api.yaml', 'kind: Cluster\napiVersion: kind.sigs.k8s.io/v1alpha3\n', /apiVersion is "kind.sigs.k8s.io\/v1alpha3"/],
      ['two-docs.yaml', 'kind: Cluster\n---\nkind: Cluster\n', /must hold one YAML document/],
      ['list.yaml', '- a\n- b\n', /must be a mapping/],
      ['patches.yaml', 'kind: Cluster\ncontainerdConfigPatches: "[plugins]"\n', /containerdConfigPatches must be a list of strings/],
      ['broken.yaml', 'kind: Cluster\nnodes: [\n', /is not valid YAML/],
    ];
    for (const [name, text, message] of cases) {
      const path = file(name, text);
      expect(() => renderKindConfig({ configFile: path, containerdConfigPatches: [], runtimeRequestTimeoutSeconds: 120 }), name).to.throw(
        KindInputError,
        message,
      );
    }
    expect(() => renderKindConfig({ configFile: join(dir, 'absent.yaml'), containerdConfigPatches: [], runtimeRequestTimeoutSeconds: 120 })).to.throw(
      KindInputError,
      /absent\.yaml cannot be read/,
    );
    expect(() => renderKindConfig({ containerdConfigPatches: ['  '], runtimeRequestTimeoutSeconds: 120 })).to.throw(KindInputError, /patch is empty/);
    expect(() => renderKindConfig({ containerdConfigPatches: [], runtimeRequestTimeoutSeconds: 0 })).to.throw(KindInputError, /runtimeRequestTimeout/);
  });
});

describe('kind config for an offline node image', () => {
  it("turns off what the image does not carry (kindnet, kube-proxy, CoreDNS) and names its etcd tag; the user's networking stays", () => {
    const user = join(dir, 'offline-user.yaml');
    writeFileSync(user, 'kind: Cluster\nnetworking:\n  podSubnet: 10.250.0.0/16\n');
    const config = parseYaml(
      renderKindConfig({ configFile: user, containerdConfigPatches: [], runtimeRequestTimeoutSeconds: 60, offlineNode: { etcdImageTag: '3.6.5-0' } }),
    ) as Record<string, unknown>;
    expect(config.networking).to.deep.equal({ podSubnet: '10.250.0.0/16', disableDefaultCNI: true, kubeProxyMode: 'none' });
    const patches = (config.kubeadmConfigPatches as string[]).map((p) => parseYaml(p) as Record<string, unknown>);
    expect(patches).to.deep.equal([
      { kind: 'ClusterConfiguration', etcd: { local: { imageTag: '3.6.5-0' } } },
      { kind: 'InitConfiguration', skipPhases: ['preflight', 'addon/kube-proxy', 'addon/coredns'] },
      { kind: 'KubeletConfiguration', apiVersion: 'kubelet.config.k8s.io/v1beta1', failCgroupV1: false },
      // runtimeRequestTimeout comes last, so it wins over any earlier KubeletConfiguration patch.
      { kind: 'KubeletConfiguration', apiVersion: 'kubelet.config.k8s.io/v1beta1', runtimeRequestTimeout: '60s' },
    ]);
  });
});
