import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cniNetwork, ipReservations, removeCniNetwork, writeCniNetwork } from '../../src/runtime/cni-network.js';
import { runCommand } from '../../src/util/exec.js';

const sandbox = (n: number) => String(n).repeat(64);

describe("podchurn's own CNI network for a managed containerd", () => {
  it('names a bridge (at most 15 characters), a network and a /24 in 10.200-10.239 from the instance, the same each time', () => {
    const a = cniNetwork('20261130-232506-d227-bug-x-1', '/run/podchurn/a', 0);
    expect(a).to.deep.equal(cniNetwork('20261130-232506-d227-bug-x-1', '/run/podchurn/a', 0));
    expect(a.bridge.length).to.be.at.most(15);
    expect(a.subnet).to.match(/^10\.(2[0-3]\d)\.\d{1,3}\.0\/24$/);
    expect([a.binDir, a.confDir, a.ipamDir]).to.deep.equal(['/run/podchurn/a/cni-bin', '/run/podchurn/a/cni', '/run/podchurn/a/cni-ipam']);
    const b = cniNetwork('20261130-232506-d227-bug-x-2', '/run/podchurn/b', 0);
    expect([b.name, b.bridge]).not.to.deep.equal([a.name, a.bridge]);
  });

  it('writes a bridge + host-local conflist, or the hold plugin in front of bridge, and a plugin directory linking the system plugins', async () => {
    const state = mkdtempSync(join(tmpdir(), 'podchurn-cni-'));
    const plain = cniNetwork('t-1', state, 0);
    await writeCniNetwork(plain);
    const config = JSON.parse(readFileSync(join(state, 'cni', '10-podchurn.conflist'), 'utf8'));
    expect(config.name).to.equal(plain.name);
    expect(config.plugins[0]).to.include({ type: 'bridge', bridge: plain.bridge, isGateway: true, ipMasq: false });
    expect(config.plugins[0].ipam).to.deep.equal({ type: 'host-local', ranges: [[{ subnet: plain.subnet }]], dataDir: plain.ipamDir });
    expect(readlinkSync(join(plain.binDir, 'bridge'))).to.equal('/usr/lib/cni/bridge');
    expect(lstatSync(join(plain.binDir, 'podchurn-hold')).mode & 0o111).to.not.equal(0);
    // Written again (a restarted daemon), with an ADD held back: the links stay, the plugin type changes.
    await writeCniNetwork(cniNetwork('t-1', state, 8));
    const held = JSON.parse(readFileSync(join(state, 'cni', '10-podchurn.conflist'), 'utf8')).plugins[0];
    expect(held).to.include({ type: 'podchurn-hold', holdSeconds: 8, bridge: plain.bridge });
    rmSync(state, { recursive: true });
  });

  it("reads host-local's reservations: files named by IP holding the container id", async () => {
    const state = mkdtempSync(join(tmpdir(), 'podchurn-cni-'));
    const network = cniNetwork('t-2', state, 0);
    const dir = join(network.ipamDir, network.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '10.200.1.3'), `${sandbox(3)}\r\neth0`);
    writeFileSync(join(dir, '10.200.1.2'), `${sandbox(2)}\r\neth0`);
    writeFileSync(join(dir, 'last_reserved_ip.0'), '10.200.1.3');
    writeFileSync(join(dir, 'lock'), '');
    expect(await ipReservations(network)).to.deep.equal([
      { ip: '10.200.1.2', containerId: sandbox(2) },
      { ip: '10.200.1.3', containerId: sandbox(3) },
    ]);
    rmSync(state, { recursive: true });
  });

  it('removes its bridge and the CNI result cache files of its sandboxes whose DEL never ran, and nothing else', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const state = mkdtempSync(join(tmpdir(), 'podchurn-cni-'));
    const network = cniNetwork(`t-remove-${process.pid}`, state, 0);
    execFileSync('ip', ['link', 'add', 'name', network.bridge, 'type', 'bridge']);
    const dir = join(network.ipamDir, network.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '10.200.1.2'), `${sandbox(7)}\r\neth0`);
    const cache = '/var/lib/cni/results';
    mkdirSync(cache, { recursive: true });
    const mine = [join(cache, `${network.name}-${sandbox(7)}-eth0`), join(cache, `cni-loopback-${sandbox(7)}-lo`)];
    // A loopback cache file of a sandbox that holds no address here is someone else's.
    const other = join(cache, `cni-loopback-${sandbox(8)}-lo`);
    for (const file of [...mine, other]) writeFileSync(file, '{}');
    try {
      const result = await removeCniNetwork(network);
      expect(result.failed).to.deep.equal([]);
      expect(result.removed).to.have.members([`bridge ${network.bridge}`, ...mine.map((f) => `CNI result cache ${f}`)]);
      expect((await runCommand('ip', ['link', 'show', network.bridge])).exitCode).to.not.equal(0);
      for (const file of mine) expect(existsSync(file), file).to.equal(false);
      expect(existsSync(other)).to.equal(true);
    } finally {
      rmSync(other, { force: true });
      await runCommand('ip', ['link', 'delete', network.bridge]);
      rmSync(state, { recursive: true });
    }
  });
});
