import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkNamespaceOfInfo, removeNetworkNamespaces } from '../../src/runtime/network-namespaces.js';

/** containerd's verbose sandbox info, as far as it matters here: the runtime spec's namespaces. */
const info = (namespaces: unknown) => ({ info: JSON.stringify({ pid: 1, runtimeSpec: { linux: { namespaces } } }) });

describe('network namespaces a runtime keeps for its sandboxes', () => {
  it("reads the network namespace's path from the sandbox's runtime spec", () => {
    const path = '/var/run/netns/cni-51edcfca-943d-748b-72a9-f5e8317db6c1';
    expect(networkNamespaceOfInfo(info([{ type: 'pid' }, { type: 'network', path }, { type: 'ipc' }]))).to.equal(path);
  });

  it('finds none for a host-network sandbox, a namespace without a path, or info it cannot read', () => {
    expect(networkNamespaceOfInfo(info([{ type: 'pid' }, { type: 'ipc' }]))).to.equal(undefined);
    expect(networkNamespaceOfInfo(info([{ type: 'network' }]))).to.equal(undefined);
    expect(networkNamespaceOfInfo({ info: '{not json' })).to.equal(undefined);
    expect(networkNamespaceOfInfo({})).to.equal(undefined);
  });

  it('unmounts and deletes a namespace file that is still there, and skips one that is gone', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-netns-'));
    const file = join(dir, 'ns');
    writeFileSync(file, '');
    // A bind mount of the test's own network namespace: what the runtime leaves at /run/netns/cni-<uuid>.
    execFileSync('mount', ['--bind', '/proc/self/ns/net', file]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).to.include(file);
    const result = await removeNetworkNamespaces([file, join(dir, 'gone')]);
    expect(result).to.deep.equal({ removed: [file], failed: [] });
    expect(existsSync(file)).to.equal(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.to.include(file);
    rmSync(dir, { recursive: true });
  });
});
