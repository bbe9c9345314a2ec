import { expect } from 'chai';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/util/exec.js';
import { runCli } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';

describe('the run directory is checked before anything starts', function () {
  this.timeout(120_000);

  it('a nearly full filesystem: exit 2 at start, naming the free space, nothing started', async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'podchurn-full-'));
    const mounted = await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    expect(mounted.exitCode, mounted.stderr).to.equal(0);
    try {
      const { file } = writeScenario('full', { pods: 1 });
      const result = await runCli(['run', file, '--reports-dir', mountPoint]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.match(/only [0-2] MiB are free .* needs at least 32 MiB/);
      expect(readdirSync(mountPoint)).to.deep.equal([]);
    } finally {
      await runCommand('umount', [mountPoint]);
    }
  });

  it('a path that cannot be a directory: exit 2 with the reason', async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'podchurn-ro-')), 'a-file');
    writeFileSync(blocker, 'not a directory');
    const { file } = writeScenario('notdir', { pods: 1 });
    const result = await runCli(['run', file, '--reports-dir', join(blocker, 'reports')]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/cannot write the run directory .*ENOTDIR|not a directory/i);
    expect(result.stderr).not.to.match(/\n\s+at /);
  });
});
