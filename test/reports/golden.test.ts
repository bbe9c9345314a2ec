import { expect } from 'chai';
import { renderJunitReport } from '../../src/reports/junit.js';
import { renderMarkdownReport } from '../../src/reports/markdown.js';
import { fixtureAnalysis, hostileString } from '../helpers/fixture-run.js';
import { expectGolden } from '../helpers/golden.js';

describe('reports of the fixture run (golden files)', () => {
  const analysis = fixtureAnalysis();

  it('summary.json', () => {
    expectGolden('summary.json', `${JSON.stringify(analysis.summary, null, 2)}\n`);
  });

  it('report.md', () => {
    const markdown = renderMarkdownReport(analysis);
    expectGolden('report.md', markdown);
    // The hostile log line is quoted only inside a code block, never as markup.
    const outsideCode = markdown.replace(/```+text\n[\s\S]*?\n```+/g, '');
    expect(outsideCode).not.to.include('<img');
    expect(markdown).to.include(hostileString);
    expect(markdown).to.include('stop-deadline');
  });

  it('junit.xml', () => {
    const xml = renderJunitReport(analysis);
    expectGolden('junit.xml', xml);
    expect(xml).not.to.include('<img');
  });
});
