import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { runtimeCatalog } from '../../src/runtime/catalog.js';
import { etcdModule, etcdWrapperGoMod, parseEtcdVersion } from '../../src/runtime/sources/etcd-build.js';
import { RuntimeStore, binariesOf, parseAnyKey, parseKey } from '../../src/runtime/store.js';

/** The head of go.etcd.io/etcd/server/v3's go.mod: a go line, a toolchain line and the ../ replaces a wrapper must not copy. */
const upstreamGoMod = `module go.etcd.io/etcd/server/v3

go 1.24

toolchain go1.24.7

require go.etcd.io/etcd/api/v3 v3.6.5

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/client/pkg/v3 => ../client/pkg
)

replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY
`;

function fakeEtcd(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'etcd'), `#!/bin/sh\necho "etcd Version: ${version}"\necho "Git SHA: test"\necho "Go Version: go1.26.8"\n`, { mode: 0o755 });
  return dir;
}

describe('etcd build recipe', () => {
  it("wraps the server module with upstream's go line and none of its replaces", () => {
    const goMod = etcdWrapperGoMod('3.6.5', upstreamGoMod);
    expect(goMod).to.include('\ngo 1.24\n').and.include(`\nrequire ${etcdModule} v3.6.5\n`);
    expect(goMod).not.to.match(/replace|toolchain|FORBIDDEN/);
    expect(() => etcdWrapperGoMod('3.6.5', 'module go.etcd.io/etcd/server/v3\n')).to.throw(/no go line/);
  });

  it('reads `etcd --version`', () => {
    expect(parseEtcdVersion('etcd Version: 3.6.5\nGit SHA: a0614505\nGo Version: go1.26.8\n')).to.equal('3.6.5');
    expect(parseEtcdVersion('etcd Version: 3.4.23\n')).to.equal('3.4.23');
    expect(parseEtcdVersion('etcdctl version: 3.6.5\n')).to.equal(undefined);
  });

  it('has a catalog entry for the etcd kubeadm 1.34 deploys, built from the module proxy', () => {
    const spec = runtimeCatalog().etcd;
    expect(spec.module).to.equal(etcdModule);
    expect(spec.releaseUrl).to.equal(undefined);
    expect(spec.versions).to.have.property('3.6.5');
  });

  it('parses etcd keys in every accepted spelling', () => {
    expect(parseAnyKey('etcd@v3.6.5')).to.deep.equal({ key: 'etcd@3.6.5', component: 'etcd', version: '3.6.5' });
    expect(parseKey('etcd', '3.6.5').key).to.equal('etcd@3.6.5');
    expect(parseKey('etcd', 'system').key).to.equal('etcd@system');
    expect(() => parseAnyKey('etcd@latest')).to.throw(InputError, /must look like/);
    expect(() => parseAnyKey('etcdctl@3.6.5')).to.throw(InputError, /etcd@3\.6\.5 or cri-tools@1\.34\.0/);
    expect(binariesOf.etcd).to.deep.equal(['etcd']);
  });
});

describe('etcd keys in the runtime store', () => {
  const root = mkdtempSync(join(tmpdir(), 'podchurn-etcd-store-'));

  it("installs an etcd that reports the key's version and refuses one that does not", async () => {
    const store = new RuntimeStore(join(root, 'runtimes'));
    const entry = await store.install(parseAnyKey('etcd@3.6.5'), { fromDir: fakeEtcd(join(root, 'good'), '3.6.5') });
    expect(entry).to.include({ key: 'etcd@3.6.5', component: 'etcd', source: 'local-dir' });
    expect(entry.verifiedVersions).to.deep.equal({ etcd: '3.6.5' });
    let refused: unknown;
    try {
      await store.install(parseAnyKey('etcd@3.6.4'), { fromDir: fakeEtcd(join(root, 'wrong'), '3.5.24') });
    } catch (error) {
      refused = error;
    }
    expect((refused as Error).message).to.match(/reports version 3\.5\.24, not 3\.6\.4/);
    expect((await store.list()).map((e) => e.key)).to.deep.equal(['etcd@3.6.5']);
  });

  it("points etcd@system at Debian's etcd-server package when it is missing", async () => {
    const store = new RuntimeStore(join(root, 'runtimes'));
    const saved = process.env.PATH;
    process.env.PATH = join(root, 'empty-path');
    try {
      let missing: unknown;
      try {
        await store.ensure(parseAnyKey('etcd@system'), { autoInstall: false });
      } catch (error) {
        missing = error;
      }
      // whichProgram also looks in /usr/sbin and /sbin, where Debian never puts etcd.
      expect((missing as Error).message).to.include('apt-get install etcd-server');
    } finally {
      process.env.PATH = saved;
    }
  });
});
