import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeCatalog } from '../../src/runtime/catalog.js';
import { kubernetesCommands, kubernetesVersionProbes } from '../../src/runtime/sources/kubernetes-build.js';
import { RuntimeStore, parseAnyKey } from '../../src/runtime/store.js';
import { runCommand } from '../../src/util/exec.js';

/**
 * The Kubernetes components the local provider runs, built from the Go module proxy through the
 * wrapper module on first use (tens of minutes on two cores; cached in the podchurn cache after).
 */
const KUBERNETES = '1.34.4';

describe('kubernetes components from the Go module proxy', function () {
  this.timeout(40 * 60_000);
  const parsed = parseAnyKey(`kubernetes@${KUBERNETES}`);
  let binaries: Record<string, string>;

  before(async () => {
    const store = new RuntimeStore();
    if (!(await store.get(parsed.key))) process.stderr.write(`    (building ${parsed.key} from the Go module proxy; cached afterwards)\n`);
    binaries = await store.ensure(parsed, { autoInstall: true, sources: ['go-build'], onProgress: () => undefined });
  });

  it('is a catalog version', () => {
    expect(runtimeCatalog().kubernetes.versions).to.have.property(KUBERNETES);
  });

  it("has all six commands, each reporting the key's version", async () => {
    expect(Object.keys(binaries).sort()).to.deep.equal([...kubernetesCommands].sort());
    for (const name of kubernetesCommands) {
      const { args, parse } = kubernetesVersionProbes[name];
      const result = await runCommand(binaries[name]!, args, { timeoutMs: 30_000 });
      expect(result.exitCode, `${name} ${args.join(' ')}`).to.equal(0);
      expect(parse(result.stdout), name).to.equal(KUBERNETES);
    }
  });

  it('kubeadm and kubectl answer their version commands exactly as released binaries do', async () => {
    expect((await runCommand(binaries.kubeadm!, ['version', '-o', 'short'])).stdout.trim()).to.equal(`v${KUBERNETES}`);
    expect((await runCommand(binaries.kubectl!, ['version', '--client'])).stdout).to.match(
      new RegExp(`^Client Version: v${KUBERNETES.replace(/\./g, '\\.')}$`, 'm'),
    );
  });

  it('records the build in the manifest: go-build with the Go toolchain, 31 staging modules replaced', () => {
    const manifestPath = join(binaries.kubelet!, '..', '..', 'manifest.json');
    expect(existsSync(manifestPath)).to.equal(true);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { source: string; origin: Record<string, string | number> };
    expect(manifest.source).to.equal('go-build');
    expect(manifest.origin).to.include({ module: 'k8s.io/kubernetes', stagingModules: 31 });
    expect(String(manifest.origin.toolchain)).to.match(/^go1\.26/);
  });
});
