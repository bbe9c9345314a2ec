import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { buildNodeImage, defaultNodeImageTag, nodeDockerfile } from '../../src/images/kind-node/node-image.js';

describe('kind node image definitions', () => {
  it('names images by Kubernetes version and pins; online images say so', () => {
    expect(defaultNodeImageTag({ flavor: 'offline', kubernetes: '1.34.4', containerd: 'containerd@1.7.15', runc: 'runc@1.1.14' })).to.equal(
      'podchurn.local/kind-node:v1.34.4-containerd1.7.15-runc1.1.14',
    );
    expect(defaultNodeImageTag({ flavor: 'online', kubernetes: 'v1.31.0', containerd: '1.7.22', runc: 'v1.1.13' })).to.equal(
      'podchurn.local/kind-node:v1.31.0-containerd1.7.22-runc1.1.13-online',
    );
  });

  it('online: one layer over kindest/node holding the replaced runtime binaries', () => {
    expect(nodeDockerfile('online', 'kindest/node:v1.31.0', '1.31.0')).to.equal('FROM kindest/node:v1.31.0\nCOPY root/ /\n');
  });

  it('offline: one layer of node files, binaries and preloaded images, then /kind/version, units enabled, systemd as PID 1 behind the entrypoint', () => {
    const text = nodeDockerfile('offline', 'podchurn.local/kind-node-base:x', 'v1.34.4');
    expect(text.split('\n')).to.include.members([
      'FROM podchurn.local/kind-node-base:x',
      'COPY root/ /',
      'STOPSIGNAL SIGRTMIN+3',
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
    ]);
    expect(text).to.include('echo v1.34.4 > /kind/version');
    expect(text).to.include('systemctl enable containerd.service kubelet.service podchurn-preload-images.service');
  });

  it('refuses unpinned runtimes before building anything', async () => {
    let error: unknown;
    try {
      await buildNodeImage({ flavor: 'offline', kubernetes: '1.34.4', containerd: 'system', runc: 'runc@1.1.14' });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/needs a pinned containerd/);
  });
});
