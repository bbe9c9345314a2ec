import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../../src/errors.js';
import { catalogedStatus, loadBugLibrary, parseBugLibrary, selectBugs } from '../../src/measurements/bug-library/bug-library.js';
import { countOccurrences } from '../../src/measurements/occurrence/occurrence.js';
import type { RunSummary } from '../../src/results/summary.js';
import { lostExitStatus } from '../../src/runtime/catalog.js';
import { packagePath } from '../../src/util/package-root.js';

/** A library root holding one valid bug scenario, for entries written by the tests. */
function libraryRoot(id = 'containerd-1', scenario: Record<string, unknown> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'podchurn-bug-library-'));
  mkdirSync(join(root, 'scenarios', 'bugs'), { recursive: true });
  writeFileSync(
    join(root, 'scenarios', 'bugs', `${id}.yaml`),
    stringify({ apiVersion: 'podchurn/v1', kind: 'Scenario', metadata: { name: `bug-${id}` }, target: { type: 'cri' }, ...scenario }),
  );
  return root;
}

const control = (occurrences: number) => ({
  containerd: '1.7.15',
  runc: '1.1.14',
  trials: 40,
  occurrences,
  command: 'podchurn run scenarios/bugs/containerd-1.yaml',
  result: 'docs/results/bugs/containerd-1.txt',
});

function entry(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'containerd-1',
    title: 'a bug',
    references: ['containerd/containerd#1'],
    components: { containerd: { affected: ['1.7.14 - 1.7.21'], fixed: ['1.7.22'] } },
    scenario: 'scenarios/bugs/containerd-1.yaml',
    occurrence: 'stateMismatch',
    reproduced: true,
    controls: { positive: control(8), negative: { ...control(0), containerd: '1.7.22' } },
    ...fields,
  };
}

function refusal(raw: unknown, root = libraryRoot()): string {
  try {
    parseBugLibrary(raw, 'bugs.yaml', root);
  } catch (error) {
    expect(error).to.be.instanceOf(InputError);
    return (error as Error).message;
  }
  return expect.fail('the entry was accepted');
}

describe('bug library (catalog/bugs.yaml)', () => {
  it('loads the shipped library: every scenario one cell, every reproduced bug with both controls on file', () => {
    const library = loadBugLibrary();
    expect(library.map((b) => b.id)).to.include('containerd-10589');
    for (const bug of library) {
      expect(existsSync(bug.scenarioFile), bug.id).to.equal(true);
      if (!bug.reproduced) {
        expect(bug.reason, bug.id).to.be.a('string');
        expect(bug.expectedRate).to.equal(null);
        continue;
      }
      const { positive, negative } = bug.controls!;
      expect(bug.expectedRate).to.equal(positive.occurrences / positive.trials);
      expect(positive.occurrences, `${bug.id}: positive control`).to.be.greaterThan(0);
      for (const c of [positive, negative]) {
        expect(existsSync(packagePath(c.result)), c.result).to.equal(true);
        // The catalog's counts are the control run's own, by the bug's measure, from the summary.json it wrote.
        const summary = JSON.parse(readFileSync(packagePath(c.result.replace(/\.txt$/, '.summary.json')), 'utf8')) as RunSummary;
        expect(countOccurrences(summary.cells, bug.occurrence), c.result).to.deep.equal({ trials: c.trials, occurrences: c.occurrences });
        expect(summary.cells[0]!.runtime.containerd, c.result).to.equal(c.containerd);
      }
    }
  });

  it('agrees with the runtime catalog on which containerd releases lose exits (#10589, BRIEF §6 ranges)', () => {
    const bug = loadBugLibrary().find((b) => b.id === 'containerd-10589')!;
    const expected: [string, string][] = [
      ['1.6.28', 'unaffected'],
      ['1.6.29', 'affected'],
      ['1.6.35', 'affected'],
      ['1.6.36', 'fixed'],
      ['1.7.13', 'unaffected'],
      ['1.7.14', 'affected'],
      ['1.7.15', 'affected'],
      ['1.7.21', 'affected'],
      ['1.7.22', 'fixed'],
      ['1.7.24', 'fixed'],
      ['2.0.0-rc.4', 'affected'],
      ['2.0.0', 'fixed'],
      ['2.1.4', 'fixed'],
    ];
    for (const [release, status] of expected) {
      expect([release, catalogedStatus(bug, 'containerd', release)]).to.deep.equal([release, status]);
      expect([release, lostExitStatus(release)]).to.deep.equal([release, status]);
    }
    expect(catalogedStatus(bug, 'runc', '1.1.14')).to.equal('unknown');
  });

  it('says an open bug ("*") affects every release', () => {
    const [bug] = parseBugLibrary({ bugs: [entry({ components: { containerd: { affected: ['*'] } } })] }, 'bugs.yaml', libraryRoot());
    expect(catalogedStatus(bug!, 'containerd', '2.3.1')).to.equal('affected');
  });

  it('derives the expected rate from the positive control and selects reproduced bugs by default', () => {
    const root = libraryRoot();
    writeFileSync(join(root, 'scenarios', 'bugs', 'containerd-2.yaml'), 'apiVersion: podchurn/v1\nkind: Scenario\nmetadata: { name: b }\n');
    const library = parseBugLibrary(
      {
        bugs: [
          entry(),
          entry({ id: 'containerd-2', scenario: 'scenarios/bugs/containerd-2.yaml', reproduced: false, controls: undefined, reason: 'no fixed build' }),
        ],
      },
      'bugs.yaml',
      root,
    );
    expect(library[0]!.expectedRate).to.equal(0.2);
    expect(selectBugs(library, []).map((b) => b.id)).to.deep.equal(['containerd-1']);
    expect(selectBugs(library, ['containerd-2', 'containerd-1']).map((b) => b.id)).to.deep.equal(['containerd-2', 'containerd-1']);
    expect(() => selectBugs(library, ['containerd-9'])).to.throw(InputError, 'no bug "containerd-9" in the bug library; known: containerd-1, containerd-2');
  });

  it('refuses bad entries with a message naming the entry and what to fix', () => {
    const cases: [Record<string, unknown>, string][] = [
      [entry({ id: 'Containerd 1' }), 'bugs[0] (Containerd 1).id: must be lower-case letters'],
      [entry({ surprise: true }), 'bugs[0] (containerd-1): Unrecognized key: "surprise"'],
      [entry({ references: [] }), 'bugs[0] (containerd-1).references'],
      [entry({ scenario: 'scenarios/other.yaml' }), 'bug containerd-1: scenario must be scenarios/bugs/containerd-1.yaml'],
      [entry({ occurrence: 'outcome:lost' }), 'bug containerd-1: occurrence: unknown occurrence measure "outcome:lost"'],
      [entry({ occurrence: 'signature:no-such-line' }), 'occurrence signature:no-such-line names no signature of the log-signature catalog'],
      [entry({ signatures: [{ id: 'no-such-line', text: 'x', benignAlone: false }] }), 'signature no-such-line is not in the log-signature catalog'],
      [
        entry({ signatures: [{ id: 'exec-in-stopped', text: 'cannot exec in a stopped container', benignAlone: false }] }),
        'signature exec-in-stopped says benignAlone false, the log-signature catalog says true',
      ],
      [entry({ components: { containerd: { affected: ['1.7.21 - 1.7.14'] } } }), 'components.containerd.affected: "1.7.21 - 1.7.14" starts after it ends'],
      [entry({ components: { containerd: { affected: ['1.7.x - 1.7.21'] } } }), '1.7.x is not a release version'],
      [
        entry({ components: { containerd: { affected: ['1.7.14 - 1.7.21'], fixed: ['1.7.18'] } } }),
        '1.7.18 is listed as fixed but lies in the affected range "1.7.14 - 1.7.21"',
      ],
      [entry({ components: { containerd: { affected: ['*'], fixed: ['2.0.0'] } } }), 'affected "*" means unfixed, yet fixed lists 2.0.0'],
      [entry({ components: {} }), 'components: must name at least one component'],
      [entry({ controls: undefined }), 'reproduced is true, so its measured controls (positive and negative) are required'],
      [entry({ controls: { positive: control(0), negative: control(0) } }), 'the positive control shows no occurrence (0 of 40); that is not a reproduction'],
      [entry({ reproduced: false, controls: undefined }), 'reproduced is false, so a reason (why the controls are not measured) is required'],
      [entry({ reproduced: false, reason: 'x' }), 'controls are listed but reproduced is false'],
      [entry({ controls: { positive: { ...control(3), result: '/tmp/out.txt' }, negative: control(0) } }), 'must be a file under docs/results/bugs/'],
    ];
    for (const [bug, message] of cases) expect(refusal({ bugs: [bug] })).to.include(message);
    expect(refusal({ bugs: [entry(), entry()] })).to.include('bug containerd-1: the id is used twice');
    expect(refusal({ bugs: [] })).to.include('bugs');
    expect(refusal({ bugs: [entry()] }, mkdtempSync(join(tmpdir(), 'podchurn-bug-library-empty-')))).to.include(
      'bug containerd-1: its scenario scenarios/bugs/containerd-1.yaml does not exist',
    );
    expect(refusal({ bugs: [entry()] }, libraryRoot('containerd-1', { matrix: { pods: [1, 2] } }))).to.include('has a matrix; a bug scenario is one cell');
  });

  it('refuses an unreadable library file with its path', () => {
    expect(() => loadBugLibrary('/nonexistent/bugs.yaml')).to.throw(InputError, '/nonexistent/bugs.yaml: cannot read the bug library');
  });
});
