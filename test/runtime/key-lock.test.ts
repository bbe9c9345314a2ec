import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeStore, parseKey } from '../../src/runtime/store.js';

/** A fake runc that answers --version like runc and counts how often it was asked (once per install). */
function countingRunc(dir: string, counter: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'runc'), `#!/bin/sh\necho run >> '${counter}'\nsleep 0.3\necho "runc version 1.1.14"\n`, { mode: 0o755 });
  return dir;
}

const installs = (counter: string) => (existsSync(counter) ? readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0);

describe('runtime store: one install per key at a time', () => {
  const base = mkdtempSync(join(tmpdir(), 'podchurn-key-lock-'));
  const runc = parseKey('runc', '1.1.14');

  it('two concurrent ensures of a missing key install it once; the second waits and uses it', async () => {
    const root = join(base, 'concurrent');
    const counter = join(base, 'concurrent.count');
    const fromDir = countingRunc(join(base, 'concurrent-src'), counter);
    // Either may take the lock first (both go through asynchronous file operations); the other says it waits.
    const waits: string[] = [];
    const onProgress = (line: string) => waits.push(line);
    const [a, b] = await Promise.all([
      new RuntimeStore(root).ensure(runc, { autoInstall: true, fromDir, onProgress }),
      new RuntimeStore(root).ensure(runc, { autoInstall: true, fromDir, onProgress }),
    ]);
    expect(a).to.deep.equal(b);
    expect(installs(counter)).to.equal(1);
    expect(waits).to.deep.equal([`runc@1.1.14: waiting for process ${process.pid}, which is installing it`]);
    expect(existsSync(join(root, 'runc@1.1.14.lock')), 'the lock is released').to.equal(false);
  });

  it('waits for another live process holding the lock, and installs once it is gone', async () => {
    const root = join(base, 'held');
    mkdirSync(root, { recursive: true });
    const counter = join(base, 'held.count');
    const fromDir = countingRunc(join(base, 'held-src'), counter);
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    writeFileSync(join(root, 'runc@1.1.14.lock'), `${holder.pid}\n`);
    const waits: string[] = [];
    const ensured = new RuntimeStore(root).ensure(runc, { autoInstall: true, fromDir, onProgress: (line) => waits.push(line) });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(installs(counter), 'nothing installed while the other process holds the lock').to.equal(0);
    expect(waits).to.deep.equal([`runc@1.1.14: waiting for process ${holder.pid}, which is installing it`]);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    expect(Object.keys(await ensured)).to.deep.equal(['runc']);
    expect(installs(counter)).to.equal(1);
  });

  it('takes over a lock whose owner has exited (a killed build)', async () => {
    const root = join(base, 'stale');
    mkdirSync(root, { recursive: true });
    const counter = join(base, 'stale.count');
    const fromDir = countingRunc(join(base, 'stale-src'), counter);
    const gone = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(join(root, 'runc@1.1.14.lock'), `${gone.pid}\n`);
    const started = performance.now();
    await new RuntimeStore(root).ensure(runc, { autoInstall: true, fromDir });
    expect(performance.now() - started).to.be.below(5_000);
    expect(installs(counter)).to.equal(1);
    expect((await new RuntimeStore(root).list()).map((e) => e.key)).to.deep.equal(['runc@1.1.14']);
  });
});
