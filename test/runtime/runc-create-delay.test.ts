import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRuncCreateDelay } from '../../src/runtime/runc-create-delay.js';
import { runCommand } from '../../src/util/exec.js';

/** A bundle as containerd's CRI writes it: config.json carries the container type annotation. */
function bundle(dir: string, type: 'sandbox' | 'container'): string {
  const path = join(dir, type);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'config.json'), JSON.stringify({ ociVersion: '1.2.0', annotations: { 'io.kubernetes.cri.container-type': type } }));
  return path;
}

describe('runtime.runcCreateDelaySeconds: the runc wrapper', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podchurn-runc-delay-'));
  // The "real runc" records its arguments, one per line, so the pass-through can be checked exactly.
  const fakeRunc = join(dir, 'fake runc');
  writeFileSync(fakeRunc, `#!/bin/sh\nprintf '%s\\n' "$@" > '${join(dir, 'args')}'\n`, { mode: 0o755 });

  async function timed(wrapper: string, args: string[]): Promise<number> {
    const started = performance.now();
    const result = await runCommand(wrapper, args, { timeoutMs: 10_000 });
    expect(result.exitCode, result.stderr).to.equal(0);
    return performance.now() - started;
  }

  it("waits before a workload container's create, then runs the real runc with the same arguments", async () => {
    const wrapper = await writeRuncCreateDelay(join(dir, 'state'), fakeRunc, { beforeSeconds: 1, returnSeconds: 0 });
    expect(statSync(wrapper).mode & 0o111).to.not.equal(0);
    const args = ['--root', '/run/x runc', '--log', '/tmp/log.json', 'create', '--bundle', bundle(dir, 'container'), '--pid-file', 'p', 'id-1'];
    expect(await timed(wrapper, args)).to.be.at.least(1000);
    expect(readFileSync(join(dir, 'args'), 'utf8').trimEnd().split('\n')).to.deep.equal(args);
  });

  it("holds a workload container's create result after the real runc returned, and keeps its exit code", async () => {
    const failing = join(dir, 'failing runc');
    writeFileSync(failing, `#!/bin/sh\necho ran > '${join(dir, 'ran')}'\nexit 3\n`, { mode: 0o755 });
    const wrapper = await writeRuncCreateDelay(join(dir, 'state-return'), failing, { beforeSeconds: 0, returnSeconds: 1 });
    const started = performance.now();
    const result = await runCommand(wrapper, ['create', '--bundle', bundle(dir, 'container'), 'id-4'], { timeoutMs: 10_000 });
    expect(result.exitCode).to.equal(3);
    expect(performance.now() - started).to.be.at.least(1000);
    expect(readFileSync(join(dir, 'ran'), 'utf8')).to.equal('ran\n');
  });

  it('passes a sandbox create, and every other command, straight through', async () => {
    const wrapper = await writeRuncCreateDelay(join(dir, 'state'), fakeRunc, { beforeSeconds: 3, returnSeconds: 3 });
    expect(await timed(wrapper, ['create', '--bundle', bundle(dir, 'sandbox'), 'id-2'])).to.be.below(1500);
    expect(await timed(wrapper, ['--root', '/run/r', 'state', 'id-1'])).to.be.below(1500);
    expect(await timed(wrapper, ['--root', '/run/r', 'create', `--bundle=${join(dir, 'missing')}`, 'id-3'])).to.be.below(1500);
    expect(readFileSync(join(dir, 'args'), 'utf8').trimEnd().split('\n')).to.deep.equal([
      '--root',
      '/run/r',
      'create',
      `--bundle=${join(dir, 'missing')}`,
      'id-3',
    ]);
  });
});
