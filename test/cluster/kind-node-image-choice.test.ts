import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderKindConfig } from 'kind-node-wrapper';
import { parse as parseYaml } from 'yaml';
import { chooseNodeImage } from '../../src/cluster/providers/kind/node-image.js';
import { InputError } from '../../src/errors.js';
import { kindNodeImages } from '../../src/runtime/catalog.js';

/** podchurn's side of kind configs and images: the catalog's node image for a version, and the example configs it ships. */
describe('kind node image choice', () => {
  const catalog = kindNodeImages();

  it('takes the catalog image of the Kubernetes version', () => {
    expect(chooseNodeImage({ kubernetes: '1.30.0', containerd: 'system' }, catalog)).to.deep.include({ image: 'kindest/node:v1.30.0' });
    expect(chooseNodeImage({ kubernetes: '1.30.0', containerd: 'system' }, catalog).entry).to.include({ kind: 'v0.23.0', containerd: '1.7.15' });
  });

  it('prefers the kind release whose containerd matches the pin, else the newest release', () => {
    expect(chooseNodeImage({ kubernetes: '1.33.1', containerd: 'system' }, catalog).entry).to.include({ kind: 'v0.29.0', containerd: '2.1.1' });
    expect(chooseNodeImage({ kubernetes: '1.33.1', containerd: 'containerd@2.1.0' }, catalog).entry).to.include({ kind: 'v0.28.0', containerd: '2.1.0' });
  });

  it('falls back to the newest image of the same minor with a note, and refuses an unknown minor', () => {
    const choice = chooseNodeImage({ kubernetes: '1.34.4', containerd: 'system' }, catalog);
    expect(choice.image).to.equal('kindest/node:v1.34.0');
    expect(choice.note).to.include('no node image for Kubernetes 1.34.4');
    expect(() => chooseNodeImage({ kubernetes: '1.12.0', containerd: 'system' }, catalog)).to.throw(
      InputError,
      /no node image for Kubernetes 1\.12\.0 \(it knows 1\.27\.3, .*1\.36\.1\)/,
    );
  });

  it('uses the node image the user names', () => {
    expect(chooseNodeImage({ kubernetes: '1.34.4', containerd: 'system', nodeImage: 'example.com/node:custom' }, catalog)).to.deep.equal({
      image: 'example.com/node:custom',
      entry: undefined,
    });
  });
});

describe('example kind configs in clusters/', () => {
  const clustersDir = fileURLToPath(new URL('../../clusters/', import.meta.url));
  for (const name of readdirSync(clustersDir).filter((f) => f.startsWith('kind-') && f.endsWith('.yaml'))) {
    it(`${name} is a kind Cluster podchurn can extend`, () => {
      const config = parseYaml(
        renderKindConfig({ configFile: join(clustersDir, name), containerdConfigPatches: ['[plugins]\n'], runtimeRequestTimeoutSeconds: 120 }),
      ) as Record<string, unknown>;
      expect(config).to.include({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
      expect((config.nodes as { role: string }[]).filter((n) => n.role === 'control-plane')).to.have.length(1);
    });
  }
});
