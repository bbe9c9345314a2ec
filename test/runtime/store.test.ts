import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, InfrastructureError } from '../../src/errors.js';
import { compareVersions, kindNodeImages, lostExitStatus, runtimeCatalog } from '../../src/runtime/catalog.js';
import { digestFromChecksumFile, installRelease } from '../../src/runtime/sources/release.js';
import { RuntimeStore, parseKey } from '../../src/runtime/store.js';

/** A fake runc: a shell script that answers --version like runc does. */
function fakeRunc(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'runc');
  writeFileSync(path, `#!/bin/sh\necho "runc version ${version}"\necho "commit: test"\n`, { mode: 0o755 });
  return path;
}

describe('runtime store', () => {
  const root = mkdtempSync(join(tmpdir(), 'podchurn-store-'));

  it('parses keys in every accepted spelling and rejects the rest', () => {
    expect(parseKey('containerd', '1.7.22')).to.deep.equal({ key: 'containerd@1.7.22', component: 'containerd', version: '1.7.22' });
    expect(parseKey('containerd', 'containerd@v1.7.22').key).to.equal('containerd@1.7.22');
    expect(parseKey('runc', 'system').key).to.equal('runc@system');
    expect(() => parseKey('containerd', 'runc@1.1.14')).to.throw(InputError, /not a containerd key/);
    expect(() => parseKey('containerd', 'latest')).to.throw(InputError, /must look like 1.7.22/);
  });

  it("installs from a local directory only when the binaries report the key's version", async () => {
    const store = new RuntimeStore(root);
    const dir = join(root, 'src-good');
    fakeRunc(dir, '1.1.14');
    const entry = await store.install(parseKey('runc', '1.1.14'), { fromDir: dir });
    expect(entry).to.include({ key: 'runc@1.1.14', source: 'local-dir' });
    expect(entry.verifiedVersions).to.deep.equal({ runc: '1.1.14' });
    expect((await store.get('runc@1.1.14'))?.binaries.runc).to.equal(join(root, 'runc@1.1.14', 'bin', 'runc'));

    const wrong = join(root, 'src-wrong');
    fakeRunc(wrong, '1.1.12');
    let refused: unknown;
    try {
      await store.install(parseKey('runc', '1.1.13'), { fromDir: wrong });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(InputError);
    expect((refused as Error).message).to.match(/reports version 1\.1\.12, not 1\.1\.13/);
    expect(await store.get('runc@1.1.13')).to.equal(undefined);
    expect((await store.list()).map((e) => e.key)).to.deep.equal(['runc@1.1.14']);
  });

  it("refuses the host's containerd under a pinned key", async () => {
    const store = new RuntimeStore(root);
    let refused: unknown;
    try {
      await store.install(parseKey('containerd', '1.7.22'), { fromDir: '/usr/bin' });
    } catch (error) {
      refused = error;
    }
    expect((refused as Error).message).to.match(/reports version 1\.6\.\d+\S*, not 1\.7\.22/);
  });

  it('resolves a pinned runc with the system containerd, and says how to install a missing key', async () => {
    const store = new RuntimeStore(root);
    const set = await store.resolveBinarySet('system', 'runc@1.1.14', { autoInstall: false });
    expect(set.runc).to.equal(join(root, 'runc@1.1.14', 'bin', 'runc'));
    expect(set.containerd).to.match(/\/containerd$/);
    let missing: unknown;
    try {
      await store.resolveBinarySet('1.7.99', 'system', { autoInstall: false });
    } catch (error) {
      missing = error;
    }
    expect((missing as Error).message).to.include('podchurn runtime fetch containerd@1.7.99');
  });

  describe('release downloads', () => {
    let server: Server;
    let base = '';
    const files = new Map<string, Buffer>();
    before(async () => {
      server = createServer((request, response) => {
        const body = files.get(request.url ?? '');
        response.writeHead(body ? 200 : 404).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const binary = readFileSync(fakeRunc(join(root, 'release'), '9.9.9'));
      files.set('/v9.9.9/runc.amd64', binary);
      files.set('/v9.9.9/runc.sha256sum', Buffer.from(`${createHash('sha256').update(binary).digest('hex')}  runc.amd64\n0000  runc.arm64\n`));
      files.set('/v9.9.8/runc.amd64', binary);
      files.set('/v9.9.8/runc.sha256sum', Buffer.from(`${'0'.repeat(64)}  runc.amd64\n`));
    });
    after(() => server.close());

    it('verifies a download against the published sha256 before installing it', async () => {
      const out = join(root, 'dl-ok');
      const spec = { releaseUrl: `${base}/v{version}/runc.amd64`, checksumUrl: `${base}/v{version}/runc.sha256sum` };
      const result = await installRelease('runc', '9.9.9', spec, out);
      expect(result.url).to.equal(`${base}/v9.9.9/runc.amd64`);
      expect(readFileSync(join(out, 'runc')).toString()).to.include('runc version 9.9.9');
    });

    it('discards a download whose checksum does not match, and one with no checksum at all', async () => {
      const spec = { releaseUrl: `${base}/v{version}/runc.amd64`, checksumUrl: `${base}/v{version}/runc.sha256sum` };
      let mismatch: unknown;
      try {
        await installRelease('runc', '9.9.8', spec, join(root, 'dl-bad'));
      } catch (error) {
        mismatch = error;
      }
      expect(mismatch).to.be.instanceOf(InfrastructureError);
      expect((mismatch as Error).message).to.match(/checksum mismatch/);
      let unverified: unknown;
      try {
        await installRelease('runc', '9.9.9', { releaseUrl: spec.releaseUrl }, join(root, 'dl-none'));
      } catch (error) {
        unverified = error;
      }
      expect((unverified as Error).message).to.match(/refusing to use it unverified/);
    });

    it('reads sha256sum files', () => {
      expect(digestFromChecksumFile(`${'a'.repeat(64)}  containerd-1.7.22-linux-amd64.tar.gz\n`, 'containerd-1.7.22-linux-amd64.tar.gz')).to.equal(
        'a'.repeat(64),
      );
      expect(digestFromChecksumFile(`${'b'.repeat(64)} *runc.amd64\n`, 'runc.amd64')).to.equal('b'.repeat(64));
      expect(digestFromChecksumFile(`${'c'.repeat(64)}  other\n`, 'runc.amd64')).to.equal(undefined);
    });
  });
});

describe('runtime catalog', () => {
  it('knows which containerd versions lose exits (containerd#10589)', () => {
    const cases: [string, string][] = [
      ['1.6.20~ds1', 'unaffected'],
      ['1.6.28', 'unaffected'],
      ['1.6.29', 'affected'],
      ['1.6.35', 'affected'],
      ['1.6.36', 'fixed'],
      ['1.7.13', 'unaffected'],
      ['1.7.14', 'affected'],
      ['1.7.15', 'affected'],
      ['1.7.21', 'affected'],
      ['1.7.22', 'fixed'],
      ['1.7.27', 'fixed'],
      ['2.0.0-rc.0', 'affected'],
      ['2.0.0-rc.4', 'affected'],
      ['2.0.0-rc.5', 'fixed'],
      ['2.1.3', 'fixed'],
    ];
    for (const [version, status] of cases) expect(lostExitStatus(version), version).to.equal(status);
  });

  it('orders versions numerically, pre-releases first', () => {
    expect(compareVersions('1.7.9', '1.7.10')).to.equal(-1);
    expect(compareVersions('2.0.0-rc.5', '2.0.0')).to.equal(-1);
    expect(compareVersions('v1.7.22', '1.7.22')).to.equal(0);
  });

  it('ships the kind node-image table with its runtimes', () => {
    const images = kindNodeImages();
    expect(images.find((i) => i.kind === 'v0.23.0')).to.deep.equal({ kind: 'v0.23.0', image: 'kindest/node:v1.30.0', containerd: '1.7.15', runc: '1.1.12' });
    expect(images.every((i) => lostExitStatus(i.containerd) !== 'unknown')).to.equal(true);
    expect(runtimeCatalog().lostExitBug.fixedIn).to.include('1.7.22');
  });
});
