import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { expandMatrix, type Cell } from '../../src/scenario/matrix.js';
import { targetScenarioRules } from '../../src/targets/registry.js';

const header = 'apiVersion: podchurn/v1\nkind: Scenario\nmetadata: {name: t}\n';

function cells(text: string): Cell[] {
  const loaded = parseScenario(text, 's.yaml', []);
  return expandMatrix(loaded.scenario, 's.yaml', { written: loaded, rulesFor: targetScenarioRules });
}

function refusal(text: string): string {
  try {
    cells(text);
  } catch (error) {
    expect(error).to.be.instanceOf(InputError);
    return (error as Error).message;
  }
  return expect.fail('the scenario was accepted');
}

describe('scenario runtimeStep', () => {
  it('is accepted on a cri target with a managed containerd; containerd and runc default to the cell pins (a restart)', () => {
    const [cell] = cells(`${header}cycles: 2\nruntime: {containerd: "1.7.15", runc: "1.1.14"}\nruntimeStep: {afterCycleHold: 1, containerd: "1.7.22"}\n`);
    expect(cell!.settings.runtimeStep).to.deep.equal({ afterCycleHold: 1, containerd: '1.7.22' });
    const [restart] = cells(`${header}runtimeStep: {afterCycleHold: 1}\n`);
    expect(restart!.settings.runtimeStep).to.deep.equal({ afterCycleHold: 1 });
  });

  it('is accepted on a kube target on a local cluster, refused on kind (measured reason), existing and a bare kubeconfig', () => {
    const [local] = cells(`${header}target: {type: kube}\ncluster: {provider: local}\nruntimeStep: {afterCycleHold: 1, containerd: "1.7.22"}\n`);
    expect(local!.settings.runtimeStep).to.deep.equal({ afterCycleHold: 1, containerd: '1.7.22' });
    const pinned = 'runtime: {containerd: "1.7.22", runc: "1.1.14"}\n';
    expect(refusal(`${header}target: {type: kube}\ncluster: {provider: kind}\n${pinned}runtimeStep: {afterCycleHold: 1}\n`)).to.match(
      /on cluster\.provider: kind a containerd restarted inside a kind node here drops the node's running sandboxes/,
    );
    expect(refusal(`${header}target: {type: kube}\ncluster: {provider: existing}\nruntimeStep: {afterCycleHold: 1}\n`)).to.match(
      /on cluster\.provider: existing the node runtime is not podchurn's to replace/,
    );
    expect(refusal(`${header}target: {type: kube}\nruntimeStep: {afterCycleHold: 1}\n`)).to.match(/on a cluster reached by kubeconfig/);
  });

  it('is refused with target.endpoint: podchurn cannot replace a runtime it did not start', () => {
    expect(refusal(`${header}target: {type: cri, endpoint: /run/containerd/containerd.sock}\nruntimeStep: {afterCycleHold: 1}\n`)).to.match(
      /runtimeStep cannot be honoured with target\.endpoint/,
    );
  });

  it('is refused when afterCycleHold is after the last cycle, and for unknown keys', () => {
    expect(refusal(`${header}cycles: 2\nruntimeStep: {afterCycleHold: 3}\n`)).to.match(/afterCycleHold 3 is after the last cycle \(cycles 2\)/);
    expect(refusal(`${header}runtimeStep: {afterCycleHold: 1, shim: "1.7.22"}\n`)).to.match(/shim/);
    expect(refusal(`${header}runtimeStep: {containerd: "1.7.22"}\n`)).to.match(/afterCycleHold/);
  });
});
