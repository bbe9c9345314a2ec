import { expect } from 'chai';
import { InputError } from '../../../src/errors.js';
import { candidateVersions, parseReleaseVersion } from '../../../src/run/bisect/candidate-versions.js';
import { listModuleVersions } from '../../../src/run/bisect/module-proxy-versions.js';

const module = 'github.com/containerd/containerd';
/** What this machine's proxy listed for the 1.7 line (BRIEF §7): partial, with holes where releases exist. */
const partialList = ['v1.6.20', 'v1.7.2', 'v1.7.6', 'v1.7.11', 'v1.7.12', 'v1.7.15', 'v1.7.18', 'v1.7.21', 'v1.7.23', 'v1.7.24', 'v1.7.25', 'v2.0.0-rc.5'];

describe('bisect candidate versions', () => {
  const asked: string[] = [];
  const lister = async (path: string) => {
    asked.push(path);
    if (path === module) return partialList;
    if (path === `${module}/v2`) return ['v2.0.0-rc.5', 'v2.0.0', 'v2.0.2', 'v2.1.0'];
    throw new Error(`unexpected module ${path}`);
  };

  it('on one release line takes every patch between the pins, oldest first, without asking the proxy', async () => {
    asked.length = 0;
    const list = await candidateVersions({ good: '1.7.13', bad: 'v1.7.15', module, catalogVersions: [], listVersions: lister });
    expect(list.candidates.map((c) => c.version)).to.deep.equal(['1.7.13', '1.7.14', '1.7.15']);
    expect(list.direction).to.equal('first-bad');
    expect(asked).to.deep.equal([]);
  });

  it('takes its direction from which pin is older: a bad pin before the good one looks for the first fixed version', async () => {
    const list = await candidateVersions({ good: '1.7.24', bad: '1.7.15', module, catalogVersions: [], listVersions: lister });
    expect(list.direction).to.equal('first-fixed');
    expect(list.candidates.map((c) => c.version)).to.deep.equal([
      '1.7.15',
      '1.7.16',
      '1.7.17',
      '1.7.18',
      '1.7.19',
      '1.7.20',
      '1.7.21',
      '1.7.22',
      '1.7.23',
      '1.7.24',
    ]);
  });

  it('across lines fills the holes of the partial proxy list from contiguous patch numbers and marks them as inferred', async () => {
    asked.length = 0;
    const list = await candidateVersions({ good: '1.6.20', bad: '2.0.2', module, catalogVersions: ['1.6.36', '1.7.22', '2.0.0'], listVersions: lister });
    const versions = list.candidates.map((c) => c.version);
    expect(asked).to.deep.equal([module, `${module}/v2`]);
    // 1.6 up to the catalog's 1.6.36, all of 1.7 up to the proxy's 1.7.25, 2.0 up to the pin; no pre-releases.
    expect(versions.slice(0, 3)).to.deep.equal(['1.6.20', '1.6.21', '1.6.22']);
    expect(versions).to.include.members(['1.6.36', '1.7.0', '1.7.13', '1.7.14', '1.7.25', '2.0.0', '2.0.1', '2.0.2']);
    expect(versions).not.to.include('1.6.37');
    expect(versions).not.to.include('1.7.26');
    expect(versions.at(-1)).to.equal('2.0.2');
    expect(versions.some((v) => v.includes('rc'))).to.equal(false);
    const known = (v: string) => list.candidates.find((c) => c.version === v)?.knownFrom;
    expect(known('1.7.15')).to.deep.equal(['proxy-list']);
    expect(known('1.7.22')).to.deep.equal(['catalog']);
    expect(known('1.7.14')).to.deep.equal(['contiguous']);
    expect(list.notes.join('\n')).to.match(/inferred from contiguous patch numbers.*1\.7\.14/);
  });

  it('goes on with the catalog alone when the proxy cannot be asked, and says so', async () => {
    const failing = async () => {
      throw new Error('connection refused');
    };
    const list = await candidateVersions({ good: '1.6.30', bad: '1.7.3', module, catalogVersions: ['1.6.36', '1.7.22'], listVersions: failing });
    expect(list.candidates.map((c) => c.version)).to.include.members(['1.6.36', '1.7.0', '1.7.3']);
    expect(list.notes.join('\n')).to.match(/failed \(connection refused\)/);
  });

  it('refuses equal pins and anything but a released version', async () => {
    const request = { module, catalogVersions: [], listVersions: lister };
    const refused = await candidateVersions({ ...request, good: '1.7.15', bad: 'v1.7.15' }).catch((error: Error) => error);
    expect(refused)
      .to.be.instanceOf(InputError)
      .and.to.have.property('message')
      .that.matches(/both 1\.7\.15/);
    expect(() => parseReleaseVersion('system', '--good')).to.throw(/released version/);
    expect(() => parseReleaseVersion('2.0.0-rc.5', '--bad')).to.throw(/released version/);
    expect(() => parseReleaseVersion('1.7', '--bad')).to.throw(/released version/);
    expect(parseReleaseVersion('v1.7.09', '--good')).to.equal('1.7.9');
  });

  it("asks the real module proxy for containerd's list (partial, with 1.7 releases in it)", async function () {
    this.timeout(40_000);
    const versions = await listModuleVersions(module, 30_000);
    const line17 = versions.filter((v) => v.startsWith('v1.7.'));
    expect(line17).to.include('v1.7.15');
    expect(line17.length).to.be.greaterThan(3);
  });
});
