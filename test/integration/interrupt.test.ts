import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isPodEvent } from '../../src/engine/events.js';
import { parseEventLines } from '../../src/results/event-log.js';
import type { RunSummary } from '../../src/results/summary.js';
import { pidsWithCommandLine } from '../../src/runtime/mounts.js';
import { cniNetwork } from '../../src/runtime/cni-network.js';
import { runtimeStateBase } from '../../src/util/dirs.js';
import { runCommand } from '../../src/util/exec.js';
import { sleep } from '../../src/util/clock.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { writeScenario } from '../helpers/scenario.js';
import { runDirOf } from '../helpers/run-dir.js';

/** Waits until the run's events.jsonl holds at least `count` events of `kind`. */
async function waitForEvents(reportsDir: string, kind: string, count: number, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(reportsDir) && readdirSync(reportsDir).length > 0) {
      const dir = runDirOf(reportsDir);
      const file = join(dir, 'events.jsonl');
      if (existsSync(file) && parseEventLines(readFileSync(file, 'utf8')).filter((e) => e.kind === kind).length >= count) return dir;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${count} ${kind} events`);
}

/** libcni's result cache files of one network. */
function cacheFilesOf(network: string): string[] {
  return existsSync('/var/lib/cni/results') ? readdirSync('/var/lib/cni/results').filter((name) => name.startsWith(`${network}-`)) : [];
}

/** The network namespaces mounted on this host now (anyone's). */
function netnsMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((path) => path.startsWith('/run/netns/'));
}

describe('interrupts and dead runtimes', function () {
  this.timeout(180_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} in the middle of a run: exit 130, everything cleaned up, measured events kept`, async () => {
      const { file, reportsDir } = writeScenario(`interrupt-${signal.toLowerCase()}`, {
        pods: 30,
        batchSize: 5,
        concurrency: 5,
        holdSeconds: 60,
        workload: { onSigterm: 'ignore' },
      });
      const { child, done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
      const dir = await waitForEvents(reportsDir, 'running', 8);
      child.kill(signal);
      const result = await done;
      expect(result.code, result.stderr).to.equal(130);
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.status).to.equal('interrupted');
      expect(summary.leakCheck.leaked).to.deep.equal([]);
      const events = parseEventLines(readFileSync(join(dir, 'events.jsonl'), 'utf8'));
      expect(events.filter((e) => e.kind === 'running').length).to.be.at.least(8);
      expect(events.some((e) => e.kind === 'interrupted')).to.equal(true);
      // Pods the cleanup had to remove are recorded as such.
      expect(summary.leakCheck.forced.length).to.be.greaterThan(0);
      expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
    });
  }

  it('a run killed outright (SIGKILL) leaves its runtime behind, and "podchurn cleanup RUN_ID" removes all of it', async () => {
    const { file, reportsDir } = writeScenario('abandoned', { pods: 12, batchSize: 6, concurrency: 6, holdSeconds: 60, workload: { onSigterm: 'ignore' } });
    const { child, done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
    const dir = await waitForEvents(reportsDir, 'running', 6);
    const runId = dir.split('/').pop()!;
    child.kill('SIGKILL');
    await done;
    expect(await hostLeftovers(runId), 'what a killed run leaves').not.to.deep.equal([]);
    const cleanup = await runCli(['cleanup', runId]);
    expect(cleanup.code, cleanup.stderr).to.equal(0);
    expect(cleanup.stdout).to.match(/killed 1 containerd, [1-9]\d* shims, [1-9]\d* container processes/);
    expect(await hostLeftovers(runId)).to.deep.equal([]);
    // Events written before the kill are still there to analyse.
    expect(parseEventLines(readFileSync(join(dir, 'events.jsonl'), 'utf8')).filter((e) => e.kind === 'running').length).to.be.at.least(6);
  });

  it('"podchurn cleanup" of a killed run also removes its sandboxes\' network namespaces, bridge and CNI cache files', async () => {
    const { file, reportsDir } = writeScenario('abandoned-network', {
      pods: 4,
      batchSize: 4,
      concurrency: 4,
      holdSeconds: 60,
      network: { namespace: 'pod', cni: 'bridge' },
      workload: { onSigterm: 'ignore' },
    });
    const { child, done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
    const dir = await waitForEvents(reportsDir, 'running', 4);
    const runId = dir.split('/').pop()!;
    const network = cniNetwork(`${runId}-1`, join(runtimeStateBase(), `${runId}-1`), 0);
    const namespacesBefore = netnsMounts();
    child.kill('SIGKILL');
    await done;
    expect((await runCommand('ip', ['link', 'show', network.bridge])).exitCode, 'the bridge a killed run leaves').to.equal(0);
    expect(cacheFilesOf(network.name)).to.have.length(4);
    const cleanup = await runCli(['cleanup', runId]);
    expect(cleanup.code, cleanup.stderr).to.equal(0);
    // 4 namespaces, the bridge, 4 cache files of the network and 4 of containerd's loopback network beside it.
    expect(cleanup.stdout).to.match(/killed 1 containerd, [1-9]\d* shims, [1-9]\d* container processes, 13 network objects\n$/);
    expect((await runCommand('ip', ['link', 'show', network.bridge])).exitCode).to.not.equal(0);
    expect(cacheFilesOf(network.name)).to.deep.equal([]);
    expect(netnsMounts().filter((path) => !namespacesBefore.includes(path))).to.deep.equal([]);
    expect(await hostLeftovers(runId)).to.deep.equal([]);
  });

  it('a managed containerd killed mid-run: exit 3 within 30 s, affected pods infra-error, events kept, nothing left', async () => {
    const { file, reportsDir } = writeScenario('killed', {
      pods: 40,
      batchSize: 4,
      concurrency: 4,
      holdSeconds: 0,
      gracePeriodSeconds: 1,
      workload: { onSigterm: 'ignore' },
    });
    const { child, done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
    const dir = await waitForEvents(reportsDir, 'delete-sent', 4);
    const runId = dir.split('/').pop()!;
    const [daemon] = await pidsWithCommandLine(['--config', join(runtimeStateBase(), `${runId}-1`, 'config.toml')]);
    expect(daemon, 'managed containerd pid').to.be.a('number');
    const killedAt = Date.now();
    process.kill(daemon!, 'SIGKILL');
    const result = await done;
    expect(Date.now() - killedAt).to.be.below(30_000);
    expect(result.code, result.stderr).to.equal(3);
    expect(result.stdout + result.stderr).to.match(/containerd .*exited unexpectedly/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.status).to.equal('infrastructure-error');
    const events = parseEventLines(readFileSync(join(dir, 'events.jsonl'), 'utf8'));
    expect(events.filter((e) => isPodEvent(e) && e.kind === 'delete-sent').length).to.be.at.least(4);
    expect(events.some((e) => e.kind === 'runtime-exited')).to.equal(true);
    expect(summary.cells[0]!.outcomes['infra-error']).to.be.greaterThan(0);
    expect(child.exitCode).to.equal(3);
    expect(await hostLeftovers(runId)).to.deep.equal([]);
  });
});
