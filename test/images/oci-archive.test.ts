import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { Readable } from 'node:stream';
import { writeOciArchive } from '../../src/images/oci-archive.js';

async function tarEntries(buffer: Buffer): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extractor = extract();
  extractor.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      entries.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  const finished = new Promise<void>((resolve) => extractor.on('finish', () => resolve()));
  Readable.from(buffer).pipe(extractor);
  await finished;
  return entries;
}

describe('OCI image archives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podchurn-oci-'));
  const definition = {
    reference: 'podchurn.local/test:7',
    entries: [{ type: 'file' as const, path: 'hello', content: Buffer.from('hi'), mode: 0o755 }],
    entrypoint: ['/hello'],
  };

  it('is deterministic: the same definition gives the same manifest digest', async () => {
    const first = await writeOciArchive(definition, join(dir, 'a.tar'));
    const second = await writeOciArchive(definition, join(dir, 'b.tar'));
    expect(first).to.equal(second);
    expect(readFileSync(join(dir, 'a.tar')).equals(readFileSync(join(dir, 'b.tar')))).to.equal(true);
  });

  it('is an OCI layout whose index names the image and whose blobs match their digests', async () => {
    const digest = await writeOciArchive(definition, join(dir, 'c.tar'));
    const entries = await tarEntries(readFileSync(join(dir, 'c.tar')));
    expect(JSON.parse(entries.get('oci-layout')!.toString())).to.deep.equal({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(entries.get('index.json')!.toString());
    expect(index.manifests[0].digest).to.equal(digest);
    expect(index.manifests[0].annotations).to.deep.equal({ 'io.containerd.image.name': 'podchurn.local/test:7', 'org.opencontainers.image.ref.name': '7' });
    const { createHash } = await import('node:crypto');
    for (const [name, content] of entries) {
      if (!name.startsWith('blobs/sha256/')) continue;
      expect(createHash('sha256').update(content).digest('hex')).to.equal(name.slice('blobs/sha256/'.length));
    }
    const manifest = JSON.parse(entries.get(`blobs/sha256/${digest.slice(7)}`)!.toString());
    const config = JSON.parse(entries.get(`blobs/sha256/${manifest.config.digest.slice(7)}`)!.toString());
    expect(config.config.Entrypoint).to.deep.equal(['/hello']);
    expect(config.rootfs.diff_ids).to.deep.equal([manifest.layers[0].digest]);
  });
});
