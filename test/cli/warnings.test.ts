import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/cli.js';

/** stderr of a Node process that drops the unactionable warnings, then runs `code`. */
function stderrOf(code: string): string {
  const script = `import { dropUnactionableWarnings } from './src/cli/warnings.ts';\ndropUnactionableWarnings();\n${code}`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  expect(result.status, result.stderr).to.equal(0);
  return result.stderr;
}

describe('warnings no user can act on', function () {
  this.timeout(60_000);

  it("drops SQLite's experimental warning", () => {
    expect(stderrOf(`process.emitWarning('SQLite is an experimental feature and might change at any time', 'ExperimentalWarning');`)).to.equal('');
  });

  it('lets every other warning through, deprecations included', () => {
    // url.parse's DEP0169 came from node-fetch under @kubernetes/client-node 1.x; 2.x no longer calls it, and a user's own call is theirs to see.
    expect(stderrOf(`(await import('node:url')).parse('https://example.test/api');`)).to.include('DEP0169');
    expect(stderrOf(`process.emitWarning('something else', 'DeprecationWarning', 'DEP0999');`)).to.include('[DEP0999] DeprecationWarning: something else');
    expect(stderrOf(`process.emitWarning('plain');`)).to.include('Warning: plain');
  });
});
