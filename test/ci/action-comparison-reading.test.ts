import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

/** scripts/action-comparison-reading.mjs: the action's one-word `comparison` output from comparison.json. */
function reading(pairs: { metrics: string[]; stuck: string }[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'podchurn-reading-')), 'comparison.json');
  const comparison = {
    kind: 'podchurn-comparison',
    pairs: pairs.map((p) => ({ metrics: p.metrics.map((verdict) => ({ verdict })), stuck: { verdict: p.stuck } })),
  };
  writeFileSync(file, JSON.stringify(comparison));
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'action-comparison-reading.mjs'), file], { encoding: 'utf8' });
  expect(result.status, result.stderr).to.equal(0);
  return result.stdout.trim();
}

describe("the action's comparison reading", () => {
  it('reads worse over better over no significant change over nothing judged, across every cell, percentile and the stuck count', () => {
    const same = { metrics: ['no significant change', 'no significant change', 'too few samples'], stuck: 'no significant change' };
    expect(reading([same, { metrics: ['better', 'no significant change', 'no significant change'], stuck: 'worse' }])).to.equal('worse');
    expect(reading([same, { metrics: ['no significant change', 'no significant change', 'worse'], stuck: 'better' }])).to.equal('worse');
    expect(reading([{ ...same, stuck: 'better' }, same])).to.equal('better');
    expect(reading([same])).to.equal('no significant change');
    expect(reading([{ metrics: ['not enough history', 'not enough history', 'not enough history'], stuck: 'too few samples' }])).to.equal('not judged');
    expect(reading([])).to.equal('not judged');
  });

  it('refuses to run without a file (exit 2)', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'action-comparison-reading.mjs')], { encoding: 'utf8' });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include('usage:');
  });
});
