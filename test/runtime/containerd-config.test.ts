import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml, stringify as toToml } from 'smol-toml';
import { InfrastructureError } from '../../src/errors.js';
import { configVersionFor, containerdConfig, probeContainerdVersion, type ContainerdConfigOptions } from '../../src/runtime/containerd-config.js';
import { runCommand } from '../../src/util/exec.js';

const paths = { root: '/var/lib/podchurn/t', state: '/run/podchurn/t', socket: '/run/podchurn/t/containerd.sock' };
const options = (containerdVersion: string): ContainerdConfigOptions => ({
  binaries: { runc: '/opt/runc' },
  containerdVersion,
  logLevel: 'info',
  restrictOomScoreAdj: true,
  sandboxImage: 'registry.k8s.io/pause:podchurn',
});

type Table = Record<string, Record<string, unknown>>;

describe('containerd config writer: the version each containerd understands', () => {
  it('picks version 3 for 2.x and version 2 for 1.x, from the reported version', () => {
    expect(configVersionFor('2.1.4')).to.equal(3);
    expect(configVersionFor('v2.0.0-rc.5')).to.equal(3);
    expect(configVersionFor('1.7.22')).to.equal(2);
    expect(configVersionFor('1.6.20~ds1')).to.equal(2);
    expect(() => configVersionFor('unknown')).to.throw(InfrastructureError, /not a version number/);
  });

  it('writes a 2.x config with the split CRI plugins and pinned_images.sandbox', () => {
    const config = containerdConfig(options('2.1.4'), paths);
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

  it('keeps cni.bin_dir for 2.0, which has no bin_dirs', () => {
    const runtime = (containerdConfig(options('2.0.2'), paths).plugins as Table)['io.containerd.cri.v1.runtime']!;
    expect(runtime.cni).to.deep.equal({ bin_dir: '/usr/lib/cni', conf_dir: '/run/podchurn/t/cni' });
  });

  it('writes a 1.x config that the host containerd 1.6 takes as written (its own config dump)', async () => {
    const version = await probeContainerdVersion('containerd');
    expect(configVersionFor(version)).to.equal(2);
    const file = join(mkdtempSync(join(tmpdir(), 'podchurn-config-')), 'config.toml');
    writeFileSync(file, toToml(containerdConfig(options(version), paths)));
    const dump = await runCommand('containerd', ['--config', file, 'config', 'dump']);
    expect(dump.exitCode, dump.stderr).to.equal(0);
    const cri = (parseToml(dump.stdout) as { plugins: Table }).plugins['io.containerd.grpc.v1.cri']!;
    expect(cri.sandbox_image).to.equal('registry.k8s.io/pause:podchurn');
    expect(cri.restrict_oom_score_adj).to.equal(true);
    const runc = (cri.containerd as { runtimes: { runc: { options: Record<string, unknown> } } }).runtimes.runc.options;
    expect(runc).to.include({ BinaryName: '/opt/runc', Root: '/run/podchurn/t/runc' });
  });
});
