import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KindToolError, buildNodeImage, nodeDockerfile } from '../src/index.js';
import { FakeCli } from './fake-cli.js';

describe('kind node image builds', () => {
  it('online: one layer over kindest/node holding the replaced runtime binaries', () => {
    expect(nodeDockerfile('online', 'kindest/node:v1.31.0', '1.31.0')).to.equal('FROM kindest/node:v1.31.0\nCOPY root/ /\n');
  });

  it('offline: one layer of node files, binaries and preloaded images, then /kind/version, units enabled, systemd as PID 1 behind the entrypoint', () => {
    const text = nodeDockerfile('offline', 'example.local/node-base:x', 'v1.34.4', ['preload-images.service']);
    expect(text.split('\n')).to.include.members([
      'FROM example.local/node-base:x',
      'COPY root/ /',
      'STOPSIGNAL SIGRTMIN+3',
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
    ]);
    expect(text).to.include('echo v1.34.4 > /kind/version');
    expect(text).to.include('systemctl enable containerd.service kubelet.service preload-images.service && : > /etc/machine-id');
  });

  it("a build docker refuses is a KindToolError with docker's last words, and leaves no build context behind", async () => {
    const fake = new FakeCli().install();
    const work = mkdtempSync(join(tmpdir(), 'kind-node-wrapper-image-'));
    try {
      const runc = join(work, 'runc');
      writeFileSync(runc, 'not a binary');
      const contexts = join(work, 'contexts');
      let error: unknown;
      await buildNodeImage({
        flavor: 'online',
        reference: 'example.local/node:test',
        base: 'kindest/node:v1.34.0',
        kubernetes: '1.34.0',
        binaries: [{ source: runc, destination: '/usr/local/sbin/runc' }],
        expected: { containerd: '2.1.4', runc: '1.3.3' },
        workDir: contexts,
      }).catch((caught: unknown) => (error = caught));
      expect(error).to.be.instanceOf(KindToolError);
      expect((error as Error).message).to.match(
        /^docker build of node image example\.local\/node:test failed \(exit 1\):\ndocker: 'build' is not a docker command/,
      );
      // It looked for a reusable image first, then built with the input hash as a label.
      const [inspect, build] = fake.calls();
      expect(inspect!.argv).to.deep.equal(['image', 'inspect', '--format', '{{json .Config.Labels}}', 'example.local/node:test']);
      expect(build!.argv.slice(0, 5)).to.deep.equal(['build', '--quiet', '--tag', 'example.local/node:test', '--label']);
      expect(build!.argv[5]).to.match(/^io\.kind-node-wrapper\.inputs=[0-9a-f]{24}$/);
      expect(existsSync(contexts) ? readdirSync(contexts) : []).to.deep.equal([]);
    } finally {
      fake.cleanup();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
