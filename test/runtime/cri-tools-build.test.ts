import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeCatalog } from '../../src/runtime/catalog.js';
import { criToolsModule, parseCrictlVersion } from '../../src/runtime/sources/cri-tools-build.js';
import { RuntimeStore, binariesOf, parseAnyKey } from '../../src/runtime/store.js';

function fakeCrictl(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'crictl'), `#!/bin/sh\necho "crictl version v${version}"\n`, { mode: 0o755 });
  return dir;
}

describe('cri-tools build recipe', () => {
  it('reads `crictl --version` with or without the v the release script stamps', () => {
    expect(parseCrictlVersion('crictl version v1.34.0\n')).to.equal('1.34.0');
    expect(parseCrictlVersion('crictl version 1.34.0\n')).to.equal('1.34.0');
    expect(parseCrictlVersion('critest version v1.34.0\n')).to.equal(undefined);
  });

  it('has a catalog entry for cri-tools 1.34.0, built from the module proxy', () => {
    const spec = runtimeCatalog()['cri-tools'];
    expect(spec.module).to.equal(criToolsModule);
    expect(spec.releaseUrl).to.equal(undefined);
    expect(spec.versions).to.have.property('1.34.0');
  });

  it('parses cri-tools keys; the key holds crictl', () => {
    expect(parseAnyKey('cri-tools@v1.34.0')).to.deep.equal({ key: 'cri-tools@1.34.0', component: 'cri-tools', version: '1.34.0' });
    expect(binariesOf['cri-tools']).to.deep.equal(['crictl']);
  });

  it("installs a crictl that reports the key's version and refuses one that does not", async () => {
    const root = mkdtempSync(join(tmpdir(), 'podchurn-crictl-store-'));
    const store = new RuntimeStore(join(root, 'runtimes'));
    const entry = await store.install(parseAnyKey('cri-tools@1.34.0'), { fromDir: fakeCrictl(join(root, 'good'), '1.34.0') });
    expect(entry.verifiedVersions).to.deep.equal({ crictl: '1.34.0' });
    let refused: unknown;
    try {
      await store.install(parseAnyKey('cri-tools@1.33.0'), { fromDir: fakeCrictl(join(root, 'wrong'), '1.34.0') });
    } catch (error) {
      refused = error;
    }
    expect((refused as Error).message).to.match(/reports version 1\.34\.0, not 1\.33\.0/);
  });
});
