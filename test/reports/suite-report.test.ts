import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { formatMissProbability, renderSuiteJunit, renderSuiteMarkdown, renderSuiteTerminal } from '../../src/reports/suite-report.js';
import type { SuiteBugResult, SuiteResult } from '../../src/results/suite-result.js';
import { suiteExitCode } from '../../src/run/suite.js';
import { repoRoot } from '../helpers/cli.js';

function bug(id: string, fields: Partial<SuiteBugResult>): SuiteBugResult {
  return {
    id,
    title: `bug ${id} <with "markup"> & a | pipe`,
    references: ['containerd/containerd#1'],
    scenario: `scenarios/bugs/${id}.yaml`,
    occurrence: 'stateMismatch',
    verdict: 'not-observed',
    trials: 30,
    occurrences: 0,
    expectedRate: 0.15,
    missProbability: 0.85 ** 30,
    catalogued: 'containerd 1.7.22 fixed',
    runId: `run-${id}`,
    runDirectory: `/tmp/suite/run-${id}`,
    durationMs: 1234,
    ...fields,
  };
}

const result: SuiteResult = {
  schemaVersion: 1,
  startedAt: '2026-11-30T15:00:00.000Z',
  durationMs: 5000,
  candidate: { containerd: '1.7.22', runc: '1.1.14', overrides: ['cycles=2'] },
  bugs: [
    bug('a-1', {}),
    bug('b-2', { verdict: 'observed', occurrences: 4, catalogued: 'containerd 1.7.22 affected' }),
    bug('c-3', { verdict: 'error', trials: 0, missProbability: null, runId: null, runDirectory: null, error: 'containerd did not start' }),
    bug('d-4', { expectedRate: null, missProbability: null }),
  ],
  exitCode: 3,
};

describe('suite reports', () => {
  it('states the miss probability as a percentage, with "< 0.001 %" and "unknown" where they apply', () => {
    expect(formatMissProbability(0.85 ** 30)).to.equal('0.76 %');
    expect(formatMissProbability(0.039)).to.equal('3.9 %');
    expect(formatMissProbability(1e-9)).to.equal('< 0.001 %');
    expect(formatMissProbability(null)).to.equal('unknown (no measured control)');
  });

  it('exit code: 3 when a bug has no verdict, else 1 when one was observed, else 0', () => {
    expect(suiteExitCode(result.bugs)).to.equal(3);
    expect(suiteExitCode(result.bugs.filter((b) => b.verdict !== 'error'))).to.equal(1);
    expect(suiteExitCode(result.bugs.filter((b) => b.verdict === 'not-observed'))).to.equal(0);
  });

  it('terminal and Markdown: one row per bug with verdict, trials, occurrences and the miss probability of a bug not observed', () => {
    const terminal = renderSuiteTerminal(result, '/tmp/suite');
    expect(terminal).to.match(/a-1\s+not observed\s+30\s+0\s+0\.76 %\s+containerd 1\.7\.22 fixed/);
    expect(terminal).to.match(/b-2\s+OBSERVED\s+30\s+4\s+-\s+containerd 1\.7\.22 affected/);
    expect(terminal).to.include('c-3: no verdict: containerd did not start');
    expect(terminal).to.match(/d-4\s+not observed\s+30\s+0\s+unknown \(no measured control\)/);
    const markdown = renderSuiteMarkdown(result);
    expect(markdown).to.include('| a-1 | not observed | 30 | 0 | 0.76 % | containerd 1.7.22 fixed | scenarios/bugs/a-1.yaml | run-a-1 |');
    expect(markdown).to.include('- c-3: containerd did not start');
  });

  it('JUnit: one testcase per bug (observed = failure, no verdict = error), valid against the JUnit schema, markup escaped', async () => {
    const xml = renderSuiteJunit(result);
    expect(xml).to.include('tests="4" failures="1" errors="1"');
    expect(xml).to.include('&lt;with &quot;markup&quot;&gt; &amp; a | pipe');
    expect(xml.match(/<testcase /g)).to.have.length(4);
    expect(xml).to.include('a-1: not observed in 30 trials; P(miss if affected) 0.76 %');
    const schema = readFileSync(join(repoRoot, 'test/fixtures/junit.xsd'), 'utf8');
    const validation = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
    expect(validation.errors).to.deep.equal([]);
  });
});
