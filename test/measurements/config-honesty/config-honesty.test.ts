import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ignoredPatchKeys } from '../../../src/measurements/config-honesty/config-honesty.js';
import { runCommand } from '../../../src/util/exec.js';

const stopTimeoutPatch = '[plugins."io.containerd.grpc.v1.cri".containerd]\n  stop_timeout = "60s"\n';
const realKeyPatch = '[plugins."io.containerd.grpc.v1.cri"]\n  stream_idle_timeout = "5m"\n';

/** `containerd config dump` of the system containerd with the patches applied: what containerd really uses. */
async function dumpWith(patches: string[]): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'podchurn-config-')), 'config.toml');
  writeFileSync(file, ['version = 2', ...patches].join('\n'));
  const result = await runCommand('containerd', ['--config', file, 'config', 'dump']);
  expect(result.exitCode, result.stderr).to.equal(0);
  return result.stdout;
}

describe('config honesty: patch keys checked against containerd config dump', () => {
  it('flags stop_timeout, which containerd silently drops, and not a key containerd keeps', async () => {
    const patches = [realKeyPatch, stopTimeoutPatch];
    expect(ignoredPatchKeys(patches, await dumpWith(patches))).to.deep.equal(['plugins."io.containerd.grpc.v1.cri".containerd.stop_timeout']);
  });

  it('flags nothing when every key is in effect', async () => {
    expect(ignoredPatchKeys([realKeyPatch], await dumpWith([realKeyPatch]))).to.deep.equal([]);
  });

  it('flags a key of a table containerd does not have at all', () => {
    expect(ignoredPatchKeys(['[plugins.nonsense]\n  a = 1\n'], 'version = 2\n[plugins]\n')).to.deep.equal(['plugins.nonsense.a']);
  });
});
