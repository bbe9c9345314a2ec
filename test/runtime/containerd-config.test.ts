import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml, stringify as toToml } from 'smol-toml';
import { InfrastructureError } from '../../src/errors.js';
import {
  configVersionFromDefault,
  containerdConfig,
  probeContainerd,
  type ConfigVersion,
  type ContainerdConfigOptions,
} from '../../src/runtime/containerd-config.js';
import { RuntimeStore } from '../../src/runtime/store.js';
import { runCommand } from '../../src/util/exec.js';
import { provisionStoreKeys } from '../helpers/provision.js';

const paths = {
  root: '/var/lib/podchurn/t',
  state: '/run/podchurn/t',
  socket: '/run/podchurn/t/containerd.sock',
  metricsAddress: '127.0.0.1:40123',
};
const options = (version: string, configVersion: ConfigVersion): ContainerdConfigOptions => ({
  binaries: { runc: '/opt/runc' },
  containerd: { version, configVersion },
  logLevel: 'info',
  restrictOomScoreAdj: true,
  sandboxImage: 'registry.k8s.io/pause:podchurn',
});

type Table = Record<string, Record<string, unknown>>;

describe('containerd config writer: the version each containerd understands', () => {
  it("takes the layout from the version of the binary's own config default, capped at the newest it knows", () => {
    expect(configVersionFromDefault("version = 2\nroot = '/var/lib/containerd'\n")).to.equal(2);
    expect(configVersionFromDefault("version = 3\nroot = '/var/lib/containerd'\n")).to.equal(3);
    expect(configVersionFromDefault('# comment\nversion = 4\n')).to.equal(4);
    expect(configVersionFromDefault('version = 5\n')).to.equal(4);
    expect(() => configVersionFromDefault('root = "/x"\n')).to.throw(InfrastructureError, /config version/);
    expect(() => configVersionFromDefault('version = 1\n')).to.throw(InfrastructureError, /config version/);
  });

  it('writes a 2.x config with the split CRI plugins and pinned_images.sandbox', () => {
    const config = containerdConfig(options('2.1.4', 3), paths);
    expect(config.version).to.equal(3);
    const plugins = config.plugins as Table;
    const runtime = plugins['io.containerd.cri.v1.runtime']!;
    expect(runtime.restrict_oom_score_adj).to.equal(true);
    expect(runtime.cni).to.deep.equal({ bin_dirs: ['/usr/lib/cni'], conf_dir: '/run/podchurn/t/cni' });
    expect((runtime.containerd as { runtimes: { runc: { options: unknown } } }).runtimes.runc.options).to.deep.equal({
      BinaryName: '/opt/runc',
      Root: '/run/podchurn/t/runc',
      SystemdCgroup: false,
    });
    expect(plugins['io.containerd.cri.v1.images']).to.deep.equal({ snapshotter: 'overlayfs', pinned_images: { sandbox: 'registry.k8s.io/pause:podchurn' } });
    // Nothing of the version-2 layout is left for 2.x to convert or ignore.
    expect(plugins['io.containerd.grpc.v1.cri']).to.deep.equal({ stream_server_address: '127.0.0.1', stream_server_port: '0' });
    expect(JSON.stringify(config)).not.to.include('sandbox_image');
  });

  it("points the CNI plugin directory at a network's own when podchurn writes one, in each layout", () => {
    const withOwn = (version: string, configVersion: ConfigVersion) => ({ ...options(version, configVersion), cniBinDir: '/run/podchurn/t/cni-bin' });
    expect((containerdConfig(withOwn('2.1.4', 3), paths).plugins as Table)['io.containerd.cri.v1.runtime']!.cni).to.deep.equal({
      bin_dirs: ['/run/podchurn/t/cni-bin'],
      conf_dir: '/run/podchurn/t/cni',
    });
    expect((containerdConfig(withOwn('1.7.24', 2), paths).plugins as Table)['io.containerd.grpc.v1.cri']!.cni).to.deep.equal({
      bin_dir: '/run/podchurn/t/cni-bin',
      conf_dir: '/run/podchurn/t/cni',
    });
  });

  it('keeps cni.bin_dir for 2.0, which has no bin_dirs', () => {
    const runtime = (containerdConfig(options('2.0.2', 3), paths).plugins as Table)['io.containerd.cri.v1.runtime']!;
    expect(runtime.cni).to.deep.equal({ bin_dir: '/usr/lib/cni', conf_dir: '/run/podchurn/t/cni' });
  });

  it('writes a 2.3+ config (version 4) with the sockets as server plugins and the same CRI split', () => {
    const config = containerdConfig(options('2.3.1', 4), paths);
    expect(config.version).to.equal(4);
    expect(config).not.to.have.any.keys('grpc', 'ttrpc');
    const plugins = config.plugins as Table;
    expect(plugins['io.containerd.server.v1.grpc']).to.deep.equal({ address: paths.socket });
    expect(plugins['io.containerd.server.v1.ttrpc']).to.deep.equal({ address: `${paths.socket}.ttrpc` });
    expect(plugins['io.containerd.cri.v1.images']!.pinned_images).to.deep.equal({ sandbox: 'registry.k8s.io/pause:podchurn' });
    expect(plugins['io.containerd.cri.v1.runtime']!.restrict_oom_score_adj).to.equal(true);
  });

  it('writes a 1.x config that the host containerd 1.6 takes as written (its own config dump)', async () => {
    const host = await probeContainerd('containerd');
    expect(host.configVersion).to.equal(2);
    const file = join(mkdtempSync(join(tmpdir(), 'podchurn-config-')), 'config.toml');
    writeFileSync(file, toToml(containerdConfig(options(host.version, host.configVersion), paths)));
    const dump = await runCommand('containerd', ['--config', file, 'config', 'dump']);
    expect(dump.exitCode, dump.stderr).to.equal(0);
    const cri = (parseToml(dump.stdout) as { plugins: Table }).plugins['io.containerd.grpc.v1.cri']!;
    expect(cri.sandbox_image).to.equal('registry.k8s.io/pause:podchurn');
    expect(cri.restrict_oom_score_adj).to.equal(true);
    const runc = (cri.containerd as { runtimes: { runc: { options: Record<string, unknown> } } }).runtimes.runc.options;
    expect(runc).to.include({ BinaryName: '/opt/runc', Root: '/run/podchurn/t/runc' });
  });

  describe("the metrics endpoint, in every config version (each binary's own config dump)", () => {
    const keys = ['containerd@1.7.22', 'containerd@2.1.4', 'containerd@2.3.1'];
    before(provisionStoreKeys(...keys));
    for (const key of keys) {
      it(`${key} takes the metrics address as written`, async () => {
        const binary = (await new RuntimeStore().get(key))!.binaries.containerd!;
        const identity = await probeContainerd(binary);
        const file = join(mkdtempSync(join(tmpdir(), 'podchurn-config-')), 'config.toml');
        writeFileSync(file, toToml(containerdConfig(options(identity.version, identity.configVersion), paths)));
        const dump = await runCommand(binary, ['--config', file, 'config', 'dump']);
        expect(dump.exitCode, dump.stderr).to.equal(0);
        const parsed = parseToml(dump.stdout) as { metrics?: { address?: string }; plugins: Table };
        const address = identity.configVersion >= 4 ? parsed.plugins['io.containerd.server.v1.metrics']?.address : parsed.metrics?.address;
        expect(address).to.equal(paths.metricsAddress);
      });
    }
  });
});
