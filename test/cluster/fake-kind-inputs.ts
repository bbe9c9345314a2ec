import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltImage } from '../../src/images/builtin-images.js';
import { RuntimeStore } from '../../src/runtime/store.js';

/**
 * What podchurn's kind provider needs besides the fake kind and docker (kind-node-wrapper's
 * packages/kind-node-wrapper/test/fake-cli.ts): image archives and a runtime store to pin from.
 */

/** Two small files standing in for podchurn's OCI archives (the fake kind only checks they exist). */
export function fakeImages(dir: string): BuiltImage[] {
  const images: BuiltImage[] = [
    { reference: 'podchurn.local/workload:1', archive: join(dir, 'workload-test.oci.tar') },
    { reference: 'podchurn.local/pause:1', archive: join(dir, 'pause-test.oci.tar') },
  ];
  for (const image of images) writeFileSync(image.archive, 'not really an archive');
  return images;
}

function script(file: string, output: string): string {
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${output.replace(/'/g, "'\\''")}'\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A runtime store holding containerd@<containerd> and runc@<runc> whose "binaries" are scripts
 * reporting the given versions (reported may differ from the key, to test the in-node check).
 */
export function fakeStore(dir: string, pins: { containerd: string; runc: string; containerdReports?: string; runcReports?: string }): RuntimeStore {
  const root = join(dir, 'runtimes');
  const add = (key: string, component: string, version: string, binaries: Record<string, string>) => {
    const keyDir = join(root, key);
    mkdirSync(join(keyDir, 'bin'), { recursive: true });
    const paths = Object.fromEntries(Object.entries(binaries).map(([name, output]) => [name, script(join(keyDir, 'bin', name), output)]));
    const manifest = {
      key,
      component,
      version,
      source: 'local-dir',
      origin: { directory: 'test' },
      binaries: paths,
      verifiedVersions: {},
      installedAt: new Date().toISOString(),
    };
    writeFileSync(join(keyDir, 'manifest.json'), JSON.stringify(manifest));
  };
  const c = pins.containerdReports ?? pins.containerd;
  const r = pins.runcReports ?? pins.runc;
  add(`containerd@${pins.containerd}`, 'containerd', pins.containerd, {
    containerd: `containerd github.com/containerd/containerd v${c} 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c`,
    'containerd-shim-runc-v2': `containerd-shim-runc-v2:\n  Version:  v${c}\n  Revision: 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c\n  Go version: go1.26.0`,
    ctr: `ctr github.com/containerd/containerd v${c}`,
  });
  add(`runc@${pins.runc}`, 'runc', pins.runc, { runc: `runc version ${r}\ncommit: v${r}-0-g0000000\nspec: 1.0.2-dev\ngo: go1.26.0\nlibseccomp: 2.5.4` });
  return new RuntimeStore(root);
}
