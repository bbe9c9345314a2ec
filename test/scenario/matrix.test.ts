import { expect } from 'chai';
import { parseScenario } from '../../src/scenario/load.js';
import { expandMatrix, matrixAxisPaths } from '../../src/scenario/matrix.js';

const header = 'apiVersion: podchurn/v1\nkind: Scenario\nmetadata: {name: t}\n';

describe('matrix expansion', () => {
  it('is one default cell without a matrix', () => {
    const cells = expandMatrix(parseScenario(header, 's.yaml').scenario, 's.yaml');
    expect(cells.map((c) => [c.id, c.name])).to.deep.equal([['cell-01', 'default']]);
  });

  it('cluster.nodeImageBuild: kind only, and only with pinned containerd and runc (bad input, exit 2)', () => {
    const kube = `${header}target: {type: kube}\n`;
    const build = (text: string) => () => expandMatrix(parseScenario(text, 's.yaml').scenario, 's.yaml');
    expect(build(`${kube}cluster: {provider: local, nodeImageBuild: offline}\nruntime: {containerd: containerd@1.7.22, runc: runc@1.1.14}\n`)).to.throw(
      /nodeImageBuild builds kind node images; provider "local"/,
    );
    expect(build(`${kube}cluster: {provider: kind, nodeImageBuild: offline}\nruntime: {containerd: containerd@1.7.22}\n`)).to.throw(/pin both/);
    const [cell] = build(`${kube}cluster: {provider: kind, nodeImageBuild: online}\nruntime: {containerd: containerd@1.7.22, runc: runc@1.1.14}\n`)();
    expect(cell!.settings.cluster!.nodeImageBuild).to.equal('online');
  });

  it('is the cartesian product, last axis fastest, each cell fully validated', () => {
    const text = `${header}batchSize: 5\nmatrix:\n  batchSize: [50, 20]\n  runtime.containerd: ["1.7.15", "1.7.22"]\n  gracePeriodSeconds: [30, 60]\n`;
    const cells = expandMatrix(parseScenario(text, 's.yaml').scenario, 's.yaml');
    expect(cells).to.have.length(8);
    expect(cells.map((c) => [c.settings.batchSize, c.settings.runtime.containerd, c.settings.gracePeriodSeconds])).to.deep.equal([
      [50, '1.7.15', 30],
      [50, '1.7.15', 60],
      [50, '1.7.22', 30],
      [50, '1.7.22', 60],
      [20, '1.7.15', 30],
      [20, '1.7.15', 60],
      [20, '1.7.22', 30],
      [20, '1.7.22', 60],
    ]);
    expect(cells[0]!.name).to.equal('batchSize=50 runtime.containerd=1.7.15 gracePeriodSeconds=30');
    expect(cells[7]!.id).to.equal('cell-08');
    // Fields the matrix does not vary keep the scenario's value and defaults.
    expect(cells.every((c) => c.settings.runtime.runc === 'system')).to.equal(true);
  });

  it('varies nested objects without losing their other fields', () => {
    const text = `${header}workload: {onSigterm: delay, delaySeconds: 3}\nmatrix:\n  workload.delaySeconds: [1, 5]\n`;
    const cells = expandMatrix(parseScenario(text, 's.yaml').scenario, 's.yaml');
    expect(cells.map((c) => c.settings.workload)).to.deep.equal([
      { onSigterm: 'delay', delaySeconds: 1 },
      { onSigterm: 'delay', delaySeconds: 5 },
    ]);
  });

  it('offers every leaf setting as an axis', () => {
    expect(matrixAxisPaths()).to.include.members([
      'batchSize',
      'runtime.containerd',
      'runtime.runc',
      'workload.onSigterm',
      'execProbe.periodMs',
      'gracePeriodSeconds',
      'requestTimeoutSeconds',
    ]);
  });
});
