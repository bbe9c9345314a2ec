import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../../src/errors.js';
import type { BisectResult } from '../../../src/results/bisect.js';
import { runBisect } from '../../../src/run/bisect/bisect.js';
import { searchBoundary, type PriorTrials, type StepRunner } from '../../../src/run/bisect/search.js';
import { seededRandom } from '../../../src/stats/prng.js';
import { defaultSprtParameters } from '../../../src/stats/sprt.js';

const patches = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `1.7.${from + i}`);

/** A simulated world: each version has a rate per pod; some versions cannot be obtained; runs are 40 pods. */
class SimulatedRunner implements StepRunner {
  readonly ran: string[] = [];
  private readonly random = seededRandom(42);
  private runs = 0;
  constructor(
    private readonly rateOf: (version: string) => number,
    private readonly gaps: ReadonlySet<string> = new Set(),
    private readonly priors: Record<string, PriorTrials> = {},
    /** Occurrences of each successive run, for versions whose counts are scripted rather than drawn. */
    private readonly scripted: Record<string, number[]> = {},
  ) {}
  async obtain(version: string) {
    if (this.gaps.has(version)) return { ok: false as const, reason: `the Go module proxy has no github.com/containerd/containerd@v${version}` };
    return { ok: true as const, build: { seconds: 1, source: 'go-build' } };
  }
  async prior(version: string) {
    return this.priors[version] ?? { trials: 0, occurrences: 0, runIds: [] };
  }
  async runOnce(version: string) {
    this.ran.push(version);
    let occurrences = this.scripted[version]?.shift() ?? 0;
    if (!this.scripted[version]) for (let i = 0; i < 40; i++) if (this.random() < this.rateOf(version)) occurrences++;
    return { runId: `run-${++this.runs}`, runDir: `/runs/${this.runs}`, trials: 40, occurrences, wallSeconds: 30 };
  }
}

/** The lost exit: 1.7.14 to 1.7.21 show it at ~12 per 100 stops, the rest never. */
const lostExitRate = (version: string) => {
  const patch = Number(version.split('.')[2]);
  return patch >= 14 && patch <= 21 ? 0.12 : 0;
};

describe('bisect search', () => {
  it('finds the planted first bad version between a good and a bad pin, testing both pins first', async () => {
    const runner = new SimulatedRunner(lostExitRate);
    const result = await searchBoundary({ versions: patches(10, 21), direction: 'first-bad', sprt: defaultSprtParameters, runner });
    expect(result.outcome).to.equal('found');
    expect(result.firstChanged).to.equal('1.7.14');
    expect(result.lastUnchanged).to.equal('1.7.13');
    expect(result.steps.slice(0, 2).map((s) => [s.version, s.role, s.verdict])).to.deep.equal([
      ['1.7.10', 'good-pin', 'clean'],
      ['1.7.21', 'bad-pin', 'shows'],
    ]);
    // A binary search over 12 versions: the two pins and at most four probes.
    expect(result.steps.length).to.be.at.most(6);
    for (const step of result.steps) expect(step.decision).to.be.oneOf(['accept-h0', 'accept-h1']);
  });

  it('finds the first fixed version when the bad pin is the older one, and steps around a version the proxy refuses', async () => {
    const runner = new SimulatedRunner(lostExitRate, new Set(['1.7.19']));
    const result = await searchBoundary({ versions: patches(15, 24), direction: 'first-fixed', sprt: defaultSprtParameters, runner });
    expect(result.outcome).to.equal('found');
    expect(result.firstChanged).to.equal('1.7.22');
    expect(result.lastUnchanged).to.equal('1.7.21');
    const gap = result.steps.find((s) => s.verdict === 'gap');
    expect(gap?.version).to.equal('1.7.19');
    expect(gap?.gapReason).to.match(/proxy has no/);
    expect(runner.ran).not.to.include('1.7.19');
  });

  it('reports a range instead of a version when a gap sits right before the boundary', async () => {
    const runner = new SimulatedRunner(lostExitRate, new Set(['1.7.21']));
    const result = await searchBoundary({ versions: patches(15, 24), direction: 'first-fixed', sprt: defaultSprtParameters, runner });
    expect(result.outcome).to.equal('ambiguous');
    expect(result.boundaryRange).to.deep.equal(['1.7.21', '1.7.22']);
    expect(result.firstChanged).to.equal(undefined);
  });

  it('is inconclusive when the good pin shows the behaviour, without probing anything between', async () => {
    const runner = new SimulatedRunner(lostExitRate);
    const result = await searchBoundary({ versions: patches(14, 16), direction: 'first-bad', sprt: defaultSprtParameters, runner });
    expect(result.outcome).to.equal('inconclusive');
    expect(result.reason).to.match(/1\.7\.14 was given as good .* but shows it/);
    expect(result.steps).to.have.length(1);
  });

  it('skips a version the SPRT cannot decide within its cap, like a gap, and still finds the boundary next to it', async () => {
    // 1.7.15 (the first probe) shows 1 in 40, then 0 in 40: with a cap of 80 trials its ratio stays between the bounds.
    const runner = new SimulatedRunner(lostExitRate, new Set(), {}, { '1.7.15': [1, 0] });
    const sprt = { ...defaultSprtParameters, maxTrials: 80 };
    const result = await searchBoundary({ versions: patches(10, 21), direction: 'first-bad', sprt, runner });
    const undecided = result.steps.find((s) => s.version === '1.7.15');
    expect(undecided?.verdict).to.equal('undecided');
    expect(undecided?.trials).to.equal(80);
    expect(result.outcome).to.equal('found');
    expect(result.firstChanged).to.equal('1.7.14');
  });

  it('counts earlier results from history as trials: a version already decided by them needs no run', async () => {
    const priors = { '1.7.13': { trials: 200, occurrences: 0, runIds: ['old-1', 'old-2'] } };
    const runner = new SimulatedRunner(lostExitRate, new Set(), priors);
    const result = await searchBoundary({ versions: patches(13, 15), direction: 'first-bad', sprt: defaultSprtParameters, runner });
    const first = result.steps[0]!;
    expect(first.reusedTrials).to.equal(200);
    expect(first.reusedRunIds).to.deep.equal(['old-1', 'old-2']);
    expect(first.runs).to.have.length(0);
    expect(runner.ran).not.to.include('1.7.13');
    expect(result.firstChanged).to.equal('1.7.14');
  });

  describe('runBisect with an injected runner', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'podchurn-bisect-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes bisect.json and bisect.md with every step, the gaps and the totals', async () => {
      const runner = new SimulatedRunner(lostExitRate, new Set(['1.7.19']));
      const { result } = await runBisect({
        scenarioFile: 'scenarios/bisect-lost-exit.yaml',
        overrides: [],
        good: '1.7.24',
        bad: '1.7.15',
        component: 'containerd',
        measure: { kind: 'stateMismatch' },
        sprt: defaultSprtParameters,
        outDir: dir,
        reportsDir: dir,
        signal: new AbortController().signal,
        runner,
        listVersions: async () => [],
      });
      const written = JSON.parse(readFileSync(join(dir, 'bisect.json'), 'utf8')) as BisectResult;
      expect(written.outcome).to.equal('found');
      expect(written.firstChanged).to.equal('1.7.22');
      expect(written.direction).to.equal('first-fixed');
      expect(written.gaps).to.deep.equal([{ version: '1.7.19', reason: 'the Go module proxy has no github.com/containerd/containerd@v1.7.19' }]);
      expect(written.steps.length).to.equal(result.steps.length);
      expect(written.totals.runs).to.equal(runner.ran.length);
      const markdown = readFileSync(join(dir, 'bisect.md'), 'utf8');
      expect(markdown).to.include('**containerd 1.7.22** is the first fixed version');
      expect(markdown).to.include('Gap: 1.7.19');
    });

    it('refuses a scenario whose matrix varies the bisected component, and a --set of it', async () => {
      const request = {
        overrides: [],
        good: '1.7.13',
        bad: '1.7.15',
        component: 'containerd' as const,
        measure: { kind: 'stateMismatch' as const },
        sprt: defaultSprtParameters,
        outDir: dir,
        reportsDir: dir,
        signal: new AbortController().signal,
        runner: new SimulatedRunner(lostExitRate),
        listVersions: async () => [],
      };
      const matrix = await runBisect({ ...request, scenarioFile: 'scenarios/cri-lost-exit.yaml' }).catch((e: Error) => e);
      expect(matrix)
        .to.be.instanceOf(InputError)
        .with.property('message')
        .that.matches(/matrix varies runtime\.containerd/);
      const set = await runBisect({ ...request, scenarioFile: 'scenarios/bisect-lost-exit.yaml', overrides: ['runtime.containerd=1.7.22'] }).catch(
        (e: Error) => e,
      );
      expect(set)
        .to.be.instanceOf(InputError)
        .with.property('message')
        .that.matches(/conflicts with the bisection/);
      const sprt = await runBisect({ ...request, scenarioFile: 'scenarios/bisect-lost-exit.yaml', sprt: { ...defaultSprtParameters, p1: 0.0005 } }).catch(
        (e: Error) => e,
      );
      expect(sprt)
        .to.be.instanceOf(InputError)
        .with.property('message')
        .that.matches(/p0 < p1/);
    });
  });
});
