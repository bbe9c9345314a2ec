import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { buildNodeImage, defaultNodeImageTag } from '../../src/images/kind-node/node-image.js';

/** podchurn's node images: names and pins (kind-node-wrapper's own tests cover the Dockerfile and the build). */
describe('kind node image definitions', () => {
  it('names images by Kubernetes version and pins; online images say so', () => {
    expect(defaultNodeImageTag({ flavor: 'offline', kubernetes: '1.34.4', containerd: 'containerd@1.7.15', runc: 'runc@1.1.14' })).to.equal(
      'podchurn.local/kind-node:v1.34.4-containerd1.7.15-runc1.1.14',
    );
    expect(defaultNodeImageTag({ flavor: 'online', kubernetes: 'v1.31.0', containerd: '1.7.22', runc: 'v1.1.13' })).to.equal(
      'podchurn.local/kind-node:v1.31.0-containerd1.7.22-runc1.1.13-online',
    );
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
