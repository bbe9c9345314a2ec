import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { renderJunitReport } from '../../src/reports/junit.js';
import { fixtureAnalysis } from '../helpers/fixture-run.js';
import { repoRoot } from '../helpers/cli.js';

const schema = readFileSync(join(repoRoot, 'test/fixtures/junit.xsd'), 'utf8');

async function validate(xml: string): Promise<void> {
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
  expect(
    result.errors.map((e) => e.rawMessage),
    'schema errors',
  ).to.deep.equal([]);
  expect(result.valid).to.equal(true);
}

describe('junit.xml against the JUnit XSD', () => {
  it('validates for a completed run with failed gates, one suite per cell, one case per gate', async () => {
    const analysis = fixtureAnalysis();
    const xml = renderJunitReport(analysis);
    await validate(xml);
    expect(xml.match(/<testsuite /g)).to.have.length(analysis.summary.cells.length + 1);
    expect(xml).to.match(/<failure message="maxStateMismatch: measured 2, limit 0"/);
    expect(xml).to.include('<testcase name="leak check"');
  });

  it('validates for an interrupted run with a leak, as a failure and an error', async () => {
    const analysis = fixtureAnalysis();
    const summary = {
      ...analysis.summary,
      status: 'interrupted' as const,
      leakCheck: { ...analysis.summary.leakCheck, leaked: ['container/abc of pod \u0001<x>&'] },
    };
    const xml = renderJunitReport({ ...analysis, summary });
    await validate(xml);
    expect(xml).to.match(/<testcase name="run status"[^>]*>\s*<error message="The run was INTERRUPTED/);
    expect(xml).to.include('1 object(s) left behind (limit 0)');
    expect(xml).to.include('&lt;x&gt;&amp;');
  });

  it('catches what the schema forbids (the validator is really checking)', async () => {
    const result = await validateXML({
      xml: [{ fileName: 'bad.xml', contents: '<testsuites><testsuite name="x"/></testsuites>' }],
      schema: [{ fileName: 'junit.xsd', contents: schema }],
    });
    expect(result.valid).to.equal(false);
  });
});
