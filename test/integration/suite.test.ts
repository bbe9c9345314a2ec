import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBugLibrary } from '../../src/measurements/bug-library/bug-library.js';
import { formatMissProbability } from '../../src/reports/suite-report.js';
import { HistoryStore } from '../../src/results/history.js';
import type { SuiteResult } from '../../src/results/suite-result.js';
import { missProbability } from '../../src/stats/miss-probability.js';
import { runCli } from '../helpers/cli.js';
import { ensureStoreKeys, PROVISION_TIMEOUT_MS } from '../helpers/provision.js';

/**
 * `podchurn suite` against the lost-exit bug (containerd#10589): the affected 1.7.15 shows it, the fixed
 * 1.7.22 does not, and the suite says how likely an affected version would have been to show nothing in
 * as many trials, from the rate the bug's positive control measured.
 */
describe('podchurn suite (containerd#10589 on 1.7.15 and 1.7.22)', function () {
  this.timeout(10 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-suite-'));
  const history = join(work, 'history.sqlite');
  const bug = loadBugLibrary().find((b) => b.id === 'containerd-10589')!;

  before(async function () {
    this.timeout(PROVISION_TIMEOUT_MS);
    await ensureStoreKeys('containerd@1.7.15', 'containerd@1.7.22', 'runc@1.1.14');
  });

  function suiteOf(reportsDir: string): { result: SuiteResult; dir: string } {
    const [name] = readdirSync(reportsDir).filter((d) => d.startsWith('suite-') || d.includes('-suite'));
    const dir = join(reportsDir, name!);
    return { result: JSON.parse(readFileSync(join(dir, 'suite.json'), 'utf8')) as SuiteResult, dir };
  }

  it('on containerd 1.7.15: observed (exit 1) within 5 suites of 10 pods, suite.json / suite.md / JUnit failure, runs in the history', async () => {
    // One cycle of 10 pods per suite, repeated until the bug shows: at the control's rate an affected version
    // stays unseen in 5 such suites with a chance of (1 - p)^50, and the test stops at the first that sees it.
    const runIds: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const reportsDir = join(work, `affected-${attempt}`);
      const args = [
        'suite',
        '--bugs',
        'containerd-10589',
        '--containerd',
        '1.7.15',
        '--runc',
        '1.1.14',
        '--set',
        'cycles=1',
        '--reports-dir',
        reportsDir,
        '--history',
        history,
      ];
      const { code, stdout, stderr } = await runCli(args);
      expect(code, stderr).to.be.oneOf([0, 1]);
      const { result, dir } = suiteOf(reportsDir);
      const [verdict] = result.bugs;
      runIds.push(verdict!.runId!);
      expect([verdict!.id, verdict!.trials, verdict!.catalogued]).to.deep.equal(['containerd-10589', 10, 'containerd 1.7.15 affected']);
      if (code === 0) {
        expect(verdict!.verdict).to.equal('not-observed');
        expect(stdout).to.include(formatMissProbability(missProbability(bug.expectedRate!, 10)));
        continue;
      }
      process.stderr.write(`    (observed in suite ${attempt}: ${verdict!.occurrences} of 10)\n`);
      expect(verdict!.verdict).to.equal('observed');
      expect(verdict!.occurrences).to.be.greaterThan(0);
      expect(stdout).to.match(new RegExp(`containerd-10589\\s+OBSERVED\\s+10\\s+${verdict!.occurrences}\\s`));
      // The occurrences are the run's own state mismatches, read from its summary.json.
      const summary = JSON.parse(readFileSync(join(verdict!.runDirectory!, 'summary.json'), 'utf8')) as { cells: { outcomes: Record<string, number> }[] };
      expect(summary.cells[0]!.outcomes['state-mismatch']).to.equal(verdict!.occurrences);
      expect(readFileSync(join(dir, 'suite.md'), 'utf8')).to.include('| containerd-10589 | OBSERVED | 10 |');
      const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
      expect(junit).to.include('tests="1" failures="1" errors="0"');
      expect(junit).to.match(/<failure message="observed: \d+ of 10" type="bug-observed">/);
      const store = HistoryStore.open(history, { create: false });
      try {
        expect(store.rows('bug-containerd-10589').map((r) => [r.runId, r.containerd])).to.have.deep.members(runIds.map((id) => [id, '1.7.15']));
      } finally {
        store.close();
      }
      return;
    }
    expect.fail('containerd 1.7.15 showed no lost exit in 5 suites of 10 pods');
  });

  it('on containerd 1.7.22: not observed, exit 0, with the miss probability (1 - p)^n printed', async () => {
    const reportsDir = join(work, 'fixed');
    // 2 cycles of 10 pods keep the test short; the miss probability then says what so few trials are worth.
    const args = ['suite', '--bugs', 'containerd-10589', '--containerd', '1.7.22', '--runc', '1.1.14', '--set', 'cycles=2', '--reports-dir', reportsDir];
    const { code, stdout, stderr } = await runCli(args);
    expect(code, stderr).to.equal(0);
    const { result, dir } = suiteOf(reportsDir);
    const [verdict] = result.bugs;
    expect(verdict!.verdict).to.equal('not-observed');
    expect([verdict!.trials, verdict!.occurrences]).to.deep.equal([20, 0]);
    expect(verdict!.catalogued).to.equal('containerd 1.7.22 fixed');
    const expected = missProbability(bug.expectedRate!, 20);
    expect(verdict!.missProbability).to.be.closeTo(expected, 1e-12);
    const printed = formatMissProbability(expected);
    expect(printed).to.match(/^\d+(\.\d+)? %$/);
    expect(stdout).to.match(new RegExp(`containerd-10589\\s+not observed\\s+20\\s+0\\s+${printed.replace('.', '\\.')}`));
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).to.include('tests="1" failures="0" errors="0"');
    expect(existsSync(join(dir, 'suite.md'))).to.equal(true);
  });

  it('containerd restarted during StopContainer (containerd#12600, runtimeStep.duringStopsAfterSeconds): observed on 1.7.22', async () => {
    const reportsDir = join(work, 'restart');
    const args = ['suite', '--bugs', 'containerd-12600', '--containerd', '1.7.22', '--runc', '1.1.14', '--set', 'repetitions=1', '--reports-dir', reportsDir];
    const { code, stderr } = await runCli(args);
    expect(code, stderr).to.equal(1);
    const { result } = suiteOf(reportsDir);
    const [verdict] = result.bugs;
    expect([verdict!.verdict, verdict!.trials, verdict!.catalogued]).to.deep.equal(['observed', 6, 'containerd 1.7.22 affected']);
    // The restart landed among the stops: the run records the step, and stops in flight failed because of it.
    const events = readFileSync(join(verdict!.runDirectory!, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; mono: number; data?: { code?: string; startedAt?: { mono: number } } });
    const step = events.find((e) => e.kind === 'runtime-step')!;
    const firstDelete = events.find((e) => e.kind === 'delete-sent')!;
    expect(step.data!.startedAt!.mono).to.be.greaterThan(firstDelete.mono);
    const failed = events.filter((e) => e.kind === 'stop-failed');
    expect(failed.length).to.equal(verdict!.occurrences);
    for (const e of failed) expect(e.data!.code).to.equal('UNAVAILABLE');
  });

  it('refuses bad input with exit 2 before running anything', async () => {
    const reportsDir = join(work, 'bad');
    const unknown = await runCli(['suite', '--bugs', 'containerd-99999', '--reports-dir', reportsDir]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('no bug "containerd-99999" in the bug library; known: containerd-10589');
    const badSet = await runCli(['suite', '--bugs', 'containerd-10589', '--set', 'pods=0', '--reports-dir', reportsDir]);
    expect(badSet.code).to.equal(2);
    expect(badSet.stderr).to.include('bug containerd-10589:');
    expect(existsSync(reportsDir)).to.equal(false);
  });
});
