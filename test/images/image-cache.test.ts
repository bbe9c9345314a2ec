import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedImageFile, pruneSupersededImageFiles } from '../../src/images/image-cache.js';

describe('image cache', () => {
  const saved = process.env.PODCHURN_CACHE_DIR;
  const cache = mkdtempSync(join(tmpdir(), 'podchurn-image-cache-'));
  before(() => {
    process.env.PODCHURN_CACHE_DIR = cache;
  });
  after(() => {
    if (saved === undefined) delete process.env.PODCHURN_CACHE_DIR;
    else process.env.PODCHURN_CACHE_DIR = saved;
  });

  it('builds a file once per key', async () => {
    let builds = 0;
    const build = async (file: string) => {
      builds++;
      writeFileSync(file, 'archive');
    };
    const first = await cachedImageFile('demo', '0123456789abcdef', build);
    expect(await cachedImageFile('demo', '0123456789abcdef', build)).to.equal(first);
    expect(builds).to.equal(1);
  });

  it('prunes only the superseded archives of the same name', async () => {
    const dir = join(cache, 'images');
    mkdirSync(dir, { recursive: true });
    const names = [
      'registry.k8s.io_etcd_3.6.5-0-aaaaaaaaaaaaaaaa.oci.tar',
      'registry.k8s.io_etcd_3.6.5-0-bbbbbbbbbbbbbbbb.oci.tar',
      // Another tag whose name starts the same way, and files that are not archives of this name.
      'registry.k8s.io_etcd_3.6.5-1-cccccccccccccccc.oci.tar',
      'registry.k8s.io_etcd_3.6.5-0-dddddddddddddddd.oci.tar.partial-1',
      'pause-2ad6731ba42a6837.bin',
    ];
    for (const name of names) writeFileSync(join(dir, name), '');
    await pruneSupersededImageFiles('registry.k8s.io_etcd_3.6.5-0', join(dir, names[1]!));
    expect(readdirSync(dir).sort()).to.deep.equal([...names.slice(1), 'demo-0123456789abcdef.oci.tar'].sort());
  });
});
