import { expect } from 'chai';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../../src/errors.js';
import { planRun } from '../../src/run/run-scenario.js';
import { parseScenario } from '../../src/scenario/load.js';
import { expandMatrix, type Cell } from '../../src/scenario/matrix.js';
import { scenarioJsonSchema } from '../../src/scenario/schema.js';
import { buildPodManifest } from '../../src/targets/kube/pod-manifest.js';
import { runCli } from '../helpers/cli.js';
import { targetScenarioRules } from '../../src/targets/registry.js';

const header = 'apiVersion: podchurn/v1\nkind: Scenario\nmetadata: {name: t}\n';
const kube = `${header}target: {type: kube}\n`;

/** The cells of a scenario as `podchurn run` / `validate` plans them (written keys checked). */
function cells(text: string, overrides: string[] = []): Cell[] {
  const loaded = parseScenario(text, 's.yaml', overrides);
  return expandMatrix(loaded.scenario, 's.yaml', { written: loaded, rulesFor: targetScenarioRules });
}

function refusal(text: string, overrides: string[] = []): string {
  try {
    cells(text, overrides);
  } catch (error) {
    expect(error).to.be.instanceOf(InputError);
    const message = (error as Error).message;
    expect(message).to.match(/^s\.yaml: /);
    return message;
  }
  throw new Error('expected the scenario to be refused');
}

describe('config honesty: a written key has an effect or is refused', () => {
  describe('execProbe', () => {
    it('no block: no probes', () => {
      const [cell] = cells(header);
      expect(cell!.settings.execProbe.enabled).to.equal(false);
    });

    it('a written block turns probes on without enabled: true, keeping what it says', () => {
      const { scenario } = parseScenario(`${header}execProbe: {periodMs: 200, workers: 3}\n`, 's.yaml');
      expect(scenario.execProbe).to.deep.include({ enabled: true, periodMs: 200, workers: 3 });
      const [cell] = cells(`${header}execProbe: {periodMs: 200, workers: 3}\n`);
      expect(cell!.settings.execProbe).to.deep.include({ enabled: true, periodMs: 200, workers: 3, timeoutSeconds: 1 });
      expect(cells(`${header}execProbe: {}\n`)[0]!.settings.execProbe.enabled).to.equal(true);
    });

    it('enabled: false written keeps them off', () => {
      expect(cells(`${header}execProbe: {enabled: false}\n`)[0]!.settings.execProbe.enabled).to.equal(false);
    });

    it('--set of a probe field writes the block, so probes run', () => {
      const [cell] = cells(header, ['execProbe.periodMs=300']);
      expect(cell!.settings.execProbe).to.deep.include({ enabled: true, periodMs: 300 });
    });

    it('a matrix axis over a probe field runs probes in every cell, as --set would', () => {
      const expanded = cells(`${header}matrix: {execProbe.periodMs: [200, 500]}\n`);
      expect(expanded.map((c) => [c.settings.execProbe.enabled, c.settings.execProbe.periodMs])).to.deep.equal([
        [true, 200],
        [true, 500],
      ]);
    });

    it('the JSON Schema says a written block defaults enabled to true', () => {
      const schema = scenarioJsonSchema() as { properties: { execProbe: { properties: { enabled: { default: unknown; description: string } } } } };
      expect(schema.properties.execProbe.properties.enabled.default).to.equal(true);
      expect(schema.properties.execProbe.properties.enabled.description).to.match(/written execProbe block/);
    });

    it('refuses probe fields next to enabled: false', () => {
      const message = refusal(`${header}execProbe: {enabled: false, periodMs: 200}\n`);
      expect(message).to.include('execProbe.periodMs has no effect with execProbe.enabled false');
      expect(message).to.include('Remove execProbe.enabled: false');
    });

    it('allows probe fields written once when an enabled axis turns probes on in some cells', () => {
      const expanded = cells(`${header}execProbe: {periodMs: 200}\nmatrix: {execProbe.enabled: [true, false]}\n`);
      expect(expanded.map((c) => c.settings.execProbe.enabled)).to.deep.equal([true, false]);
    });

    it('refuses a probe-field axis crossed with probes off: those cells would be the same run', () => {
      const message = refusal(`${header}matrix: {execProbe.enabled: [true, false], execProbe.periodMs: [200, 500]}\n`);
      expect(message).to.match(/matrix\.execProbe\.periodMs: .*cell "execProbe\.enabled=false execProbe\.periodMs=200"/);
    });

    it('kube: refuses workers (kubelet runs one liveness and one readiness probe)', () => {
      const message = refusal(`${kube}execProbe: {workers: 4}\n`);
      expect(message).to.include('execProbe.workers has no effect on a kube target');
    });

    it('kube: refuses a period that is not whole seconds, accepts one that is, and the pod carries the probe', () => {
      expect(refusal(`${kube}execProbe: {periodMs: 1500}\n`)).to.include('execProbe.periodMs 1500 cannot be honoured on a kube target');
      const [cell] = cells(`${kube}execProbe: {periodMs: 2000, timeoutSeconds: 3, command: [date]}\n`);
      const plan = { pod: 'p', cell: 'cell-01', rep: 1, cycle: 1, replica: 1, uid: 'u', labels: {} };
      const pod = buildPodManifest(
        plan,
        cell!.settings,
        { namespacePrefix: 'podchurn-', qps: 20, burst: 40, waitFor: 'ready', nodeAgent: false, nodeAgentCriSocket: '/run/containerd/containerd.sock' },
        'img',
      );
      expect(pod.spec!.containers[0]!.livenessProbe).to.deep.include({ periodSeconds: 2, timeoutSeconds: 3, exec: { command: ['date'] } });
    });
  });

  describe('target.kube.nodeAgent', () => {
    const existing = `${header}target: {type: kube, kube: {kubeconfig: /k, nodeAgent: true}}\ncluster: {provider: existing}\n`;
    it('is accepted on an existing cluster and on a bare kubeconfig', () => {
      expect(cells(existing)[0]!.settings.target.kube!.nodeAgent).to.equal(true);
      expect(cells(`${header}target: {type: kube, kube: {nodeAgent: true}}\n`)[0]!.settings.target.kube!.nodeAgent).to.equal(true);
    });
    it('is refused on a cluster podchurn runs, which it reaches without an agent', () => {
      const message = refusal(`${header}target: {type: kube, kube: {nodeAgent: true}}\ncluster: {provider: local}\n`);
      expect(message).to.include('target.kube.nodeAgent is for clusters podchurn does not run');
      expect(message).to.include('cluster.provider: local');
    });
    it('refuses its image and socket keys when the agent is off', () => {
      const message = refusal(`${header}target: {type: kube, kube: {nodeAgentImage: reg.example/agent:1}}\n`);
      expect(message).to.include('target.kube.nodeAgentImage has no effect without target.kube.nodeAgent: true');
      const logs = refusal(`${header}target: {type: kube, kube: {nodeAgentLogFiles: {containerd: /var/log/containerd.log}}}\n`);
      expect(logs).to.include('target.kube.nodeAgentLogFiles.containerd has no effect without target.kube.nodeAgent: true');
      const metrics = refusal(`${header}target: {type: kube, kube: {nodeAgentContainerdMetrics: '127.0.0.1:1338'}}\n`);
      expect(metrics).to.include('target.kube.nodeAgentContainerdMetrics has no effect without target.kube.nodeAgent: true');
    });
  });

  describe('cluster.nodeLogQuery', () => {
    it('is kept on an existing cluster', () => {
      const [cell] = cells(`${header}target: {type: kube, kube: {kubeconfig: /k}}\ncluster: {provider: existing, nodeLogQuery: {containerd: containerd}}\n`);
      expect(cell!.settings.cluster!.nodeLogQuery).to.deep.equal({ containerd: 'containerd' });
    });
    it('is refused on a cluster podchurn runs, whose node logs it reads itself', () => {
      const message = refusal(`${header}target: {type: kube}\ncluster: {provider: kind, nodeLogQuery: {kubelet: kubelet}}\n`);
      expect(message).to.include('cluster.nodeLogQuery.kubelet has no effect with cluster.provider "kind"');
    });
    it('refuses a name the kubelet would not take', () => {
      const message = refusal(`${header}target: {type: kube, kube: {kubeconfig: /k}}\ncluster: {provider: existing, nodeLogQuery: {containerd: '-u x'}}\n`);
      expect(message).to.include('cluster.nodeLogQuery.containerd');
      expect(message).to.include('must be a systemd unit');
    });
    it('refuses a log read both by the agent and through the query', () => {
      const message = refusal(
        `${header}target: {type: kube, kube: {kubeconfig: /k, nodeAgent: true, nodeAgentLogFiles: {containerd: /var/log/containerd.log}}}\n` +
          'cluster: {provider: existing, nodeLogQuery: {containerd: containerd}}\n',
      );
      expect(message).to.include('the containerd log is read twice');
    });
  });

  describe('a field that is also a matrix axis', () => {
    it('refuses it written in the file next to the axis (the axis replaces it in every cell)', () => {
      const message = refusal(`${header}batchSize: 50\npods: 50\nmatrix: {batchSize: [50, 20]}\n`);
      expect(message).to.include('batchSize is written and is also a matrix axis, whose values replace it in every cell');
    });

    it('refuses a --set of an axis field, which the axis would silently replace', () => {
      const message = refusal(`${header}pods: 50\nmatrix: {batchSize: [50, 20]}\n`, ['batchSize=10']);
      expect(message).to.match(/^s\.yaml: --set batchSize=\.\.\.: batchSize is a matrix axis of the scenario/);
      expect(message).to.include("--set 'matrix={batchSize: [...]}'");
    });

    it('lets a matrix given with --set replace a value the file wrote', () => {
      const text = `${header}runtime: {containerd: "1.7.15", runc: "1.1.14"}\n`;
      const expanded = cells(text, ['matrix={runtime.runc: ["1.1.12", "1.1.14"]}']);
      expect(expanded.map((c) => c.settings.runtime.runc)).to.deep.equal(['1.1.12', '1.1.14']);
      expect(cells(`${header}pods: 50\nbatchSize: 50\n`, ['matrix.batchSize=[50, 20]'])).to.have.length(2);
    });
  });

  describe('batchSize and concurrency', () => {
    it('refuses a batch larger than the cycle and a concurrency above the batch', () => {
      expect(refusal(`${header}pods: 20\nbatchSize: 50\n`)).to.include('batchSize has no effect at 50, above pods 20');
      const message = refusal(`${header}pods: 20\nbatchSize: 10\nconcurrency: 50\n`);
      expect(message).to.include('concurrency has no effect at 50, above batchSize 10');
      expect(message).to.include('Set concurrency to at most batchSize.');
    });

    it('allows a concurrency that some cell uses in full (seed-repro: 50 with batchSize 50 and 20)', () => {
      const expanded = cells(`${header}pods: 50\nconcurrency: 50\nmatrix: {batchSize: [50, 20]}\n`);
      expect(expanded.map((c) => c.settings.batchSize)).to.deep.equal([50, 20]);
    });

    it('refuses a concurrency axis that goes above the batch in a cell', () => {
      expect(refusal(`${header}batchSize: 10\nmatrix: {concurrency: [5, 20]}\n`)).to.match(
        /^s\.yaml: matrix\.concurrency: concurrency has no effect in cell "concurrency=20" at 20, above batchSize 10/,
      );
    });
  });

  describe('workload.delaySeconds', () => {
    it('refuses it when onSigterm is not delay', () => {
      const message = refusal(`${header}workload: {onSigterm: ignore, delaySeconds: 5}\n`);
      expect(message).to.include('workload.delaySeconds has no effect with workload.onSigterm "ignore"');
      expect(message).to.include('allowed: exit, ignore, delay');
    });

    it('allows it once next to an onSigterm axis that includes delay', () => {
      const expanded = cells(`${header}workload: {delaySeconds: 5}\nmatrix: {workload.onSigterm: [exit, delay]}\n`);
      expect(expanded.map((c) => c.settings.workload.onSigterm)).to.deep.equal(['exit', 'delay']);
    });

    it('refuses a delaySeconds axis when a cell does not delay', () => {
      const message = refusal(`${header}workload: {onSigterm: exit}\nmatrix: {workload.delaySeconds: [1, 5]}\n`);
      expect(message).to.match(/matrix\.workload\.delaySeconds: workload\.delaySeconds has no effect in cell "workload\.delaySeconds=1"/);
    });
  });

  describe('network', () => {
    it("a cri cell's sandboxes share the host network unless network.namespace is pod", () => {
      expect(cells(header)[0]!.settings.network.namespace).to.equal('node');
      expect(cells(`${header}network: {namespace: pod}\n`)[0]!.settings.network.namespace).to.equal('pod');
      expect(cells(header, ['network.namespace=pod'])[0]!.settings.network.namespace).to.equal('pod');
    });

    it("a CNI network of podchurn's own needs pod namespaces on a containerd podchurn starts; a held ADD needs the network", () => {
      const pod = `${header}network: {namespace: pod, cni: bridge, cniAddHoldSeconds: 8}\n`;
      expect(cells(pod)[0]!.settings.network).to.deep.equal({ namespace: 'pod', cni: 'bridge', cniAddHoldSeconds: 8, cniConfigRemovedBeforeDeletes: false });
      expect(refusal(`${header}network: {cni: bridge}\n`)).to.include('network.cni has no effect with network.namespace "node"');
      expect(refusal(`${header}target: {type: cri, endpoint: /run/x.sock}\nnetwork: {namespace: pod, cni: bridge}\n`)).to.include(
        'network.cni has no effect with target.endpoint',
      );
      expect(refusal(`${header}network: {namespace: pod, cniAddHoldSeconds: 8}\n`)).to.include(
        'network.cniAddHoldSeconds has no effect with network.cni "none"',
      );
      expect(refusal(`${kube}network: {cni: bridge}\n`)).to.include('network.cni has no effect on a kube target');
      expect(refusal(`${header}network: {namespace: pod, cniConfigRemovedBeforeDeletes: true}\n`)).to.include(
        'network.cniConfigRemovedBeforeDeletes has no effect with network.cni "none"',
      );
      expect(cells(`${header}network: {namespace: pod, cni: bridge, cniConfigRemovedBeforeDeletes: true}\n`)[0]!.settings.network).to.include({
        cniConfigRemovedBeforeDeletes: true,
      });
    });

    it('places a runtime step among the creates or among the stops, not both; among the creates only on a cri target', () => {
      const step = 'runtimeStep: {afterCycleHold: 1, duringCreatesAfterSeconds: 2}\n';
      expect(cells(`${header}${step}`)[0]!.settings.runtimeStep?.duringCreatesAfterSeconds).to.equal(2);
      expect(() => cells(`${header}runtimeStep: {afterCycleHold: 1, duringCreatesAfterSeconds: 2, duringStopsAfterSeconds: 1}\n`)).to.throw(
        InputError,
        /write one of them/,
      );
      expect(refusal(`${kube}cluster: {provider: local}\n${step}`)).to.include('runtimeStep.duringCreatesAfterSeconds has no effect on a kube target');
    });

    it('refuses an unknown mode, naming the allowed ones, and network.namespace on a kube target, also from --set', () => {
      expect(() => cells(`${header}network: {namespace: host}\n`)).to.throw(InputError, /network\.namespace.*"node".*"pod"|node.*pod/);
      expect(refusal(`${kube}network: {namespace: pod}\n`)).to.include('network.namespace has no effect on a kube target');
      expect(refusal(kube, ['network.namespace=node'])).to.include('use target.type: cri');
    });
  });

  describe('runtime', () => {
    it('refuses logLevel and restrictOomScoreAdj on a kube target', () => {
      expect(refusal(`${kube}runtime: {logLevel: debug}\n`)).to.include('runtime.logLevel has no effect on a kube target');
      expect(refusal(`${kube}cluster: {provider: local}\nruntime: {restrictOomScoreAdj: "true"}\n`)).to.include(
        'runtime.restrictOomScoreAdj has no effect on a kube target',
      );
    });

    it('refuses runtime settings next to target.endpoint (podchurn starts no containerd)', () => {
      const endpoint = `${header}target: {type: cri, endpoint: /run/containerd/containerd.sock}\n`;
      expect(refusal(`${endpoint}runtime: {logLevel: debug}\n`)).to.include('runtime.logLevel has no effect with target.endpoint');
      expect(refusal(`${endpoint}runtime: {containerd: "1.7.22"}\n`)).to.include('runtime.containerd has no effect with target.endpoint');
      expect(cells(endpoint)[0]!.settings.target.endpoint).to.equal('/run/containerd/containerd.sock');
    });

    it('keeps them on a cri target that podchurn runs', () => {
      const [cell] = cells(`${header}runtime: {logLevel: debug, restrictOomScoreAdj: "true", containerd: "1.7.22"}\n`);
      expect(cell!.settings.runtime).to.deep.include({ logLevel: 'debug', restrictOomScoreAdj: 'true', containerd: '1.7.22' });
    });

    it('keeps a slow runc create and the sandbox inspection on a cri target podchurn runs; refuses them elsewhere', () => {
      const [cell] = cells(`${header}runtime: {runcCreateDelaySeconds: 4}\nsandboxInspectPeriodMs: 500\n`);
      expect(cell!.settings.runtime.runcCreateDelaySeconds).to.equal(4);
      expect(cell!.settings.sandboxInspectPeriodMs).to.equal(500);
      const endpoint = `${header}target: {type: cri, endpoint: /run/containerd/containerd.sock}\n`;
      expect(refusal(`${endpoint}runtime: {runcCreateDelaySeconds: 4}\n`)).to.include('runtime.runcCreateDelaySeconds has no effect with target.endpoint');
      expect(refusal(`${kube}cluster: {provider: local}\nruntime: {runcCreateDelaySeconds: 4}\n`)).to.include(
        'runtime.runcCreateDelaySeconds has no effect on a kube target',
      );
      expect(refusal(kube, ['sandboxInspectPeriodMs=500'])).to.include('sandboxInspectPeriodMs has no effect on a kube target');
      expect(() => cells(`${header}runtime: {runcCreateDelaySeconds: -1}\n`)).to.throw(InputError, /runcCreateDelaySeconds/);
      expect(() => cells(`${header}sandboxInspectPeriodMs: 0\n`)).to.throw(InputError, /sandboxInspectPeriodMs/);
    });

    it("keeps a held runc create result and the create calls' deadline on a cri target; refuses them elsewhere", () => {
      const [cell] = cells(`${header}runtime: {runcCreateReturnDelaySeconds: 6}\ncreateTimeoutSeconds: 3\n`);
      expect(cell!.settings.runtime.runcCreateReturnDelaySeconds).to.equal(6);
      expect(cell!.settings.createTimeoutSeconds).to.equal(3);
      const endpoint = `${header}target: {type: cri, endpoint: /run/containerd/containerd.sock}\n`;
      expect(refusal(`${endpoint}runtime: {runcCreateReturnDelaySeconds: 6}\n`)).to.include(
        'runtime.runcCreateReturnDelaySeconds has no effect with target.endpoint',
      );
      expect(cells(`${endpoint}createTimeoutSeconds: 3\n`)[0]!.settings.createTimeoutSeconds).to.equal(3);
      expect(refusal(`${kube}cluster: {provider: local}\nruntime: {runcCreateReturnDelaySeconds: 6}\n`)).to.include(
        'runtime.runcCreateReturnDelaySeconds has no effect on a kube target',
      );
      expect(refusal(kube, ['createTimeoutSeconds=3'])).to.include('createTimeoutSeconds has no effect on a kube target');
      expect(() => cells(`${header}createTimeoutSeconds: 0\n`)).to.throw(InputError, /createTimeoutSeconds/);
    });

    it('keeps a stop during the start on a cri target, also next to target.endpoint; refuses it on a kube target', () => {
      expect(cells(`${header}stopDuringStartAfterSeconds: 1\n`)[0]!.settings.stopDuringStartAfterSeconds).to.equal(1);
      const endpoint = `${header}target: {type: cri, endpoint: /run/containerd/containerd.sock}\n`;
      expect(cells(`${endpoint}stopDuringStartAfterSeconds: 1\n`)[0]!.settings.stopDuringStartAfterSeconds).to.equal(1);
      expect(refusal(kube, ['stopDuringStartAfterSeconds=1'])).to.include('stopDuringStartAfterSeconds has no effect on a kube target');
      expect(() => cells(`${header}stopDuringStartAfterSeconds: -1\n`)).to.throw(InputError, /stopDuringStartAfterSeconds/);
    });

    it('refuses pins on a kube target without a cluster block, or on an existing cluster, also from --set', () => {
      expect(refusal(kube, ['runtime.runc=1.1.14'])).to.include('runtime.runc has no effect on a kube target without a cluster block');
      expect(refusal(`${kube}cluster: {provider: existing}\nruntime: {containerd: "1.7.22"}\n`)).to.include(
        'runtime.containerd has no effect with cluster.provider "existing"',
      );
      expect(cells(`${kube}cluster: {provider: local}\nruntime: {containerd: "1.7.22"}\n`)[0]!.settings.runtime.containerd).to.equal('1.7.22');
    });

    it('refuses a pin axis on a cluster it cannot change', () => {
      const message = refusal(`${kube}cluster: {provider: existing}\nmatrix: {runtime.containerd: ["1.7.15", "1.7.22"]}\n`);
      expect(message).to.match(/^s\.yaml: matrix\.runtime\.containerd: runtime\.containerd has no effect in cell "runtime\.containerd=1\.7\.15"/);
    });
  });

  describe('cluster', () => {
    for (const [field, value] of [
      ['config', 'kind.yaml'],
      ['nodeImage', 'kindest/node:v1.34.0'],
      ['containerdConfigPatches', '["[debug]\\n  level = \\"debug\\""]'],
      ['kubernetes', '1.33.1'],
      ['keep', 'true'],
    ] as const) {
      it(`refuses cluster.${field} with provider existing`, () => {
        expect(refusal(`${kube}cluster: {provider: existing, ${field}: ${value}}\n`)).to.include(
          `cluster.${field} has no effect with cluster.provider "existing"`,
        );
      });
    }

    it('refuses a kind config or node image on a local cluster', () => {
      expect(refusal(`${kube}cluster: {provider: local, config: kind.yaml}\n`)).to.include('cluster.config has no effect with cluster.provider "local"');
      expect(refusal(`${kube}cluster: {provider: local, nodeImage: "kindest/node:v1.34.0"}\n`)).to.include(
        'cluster.nodeImage has no effect with cluster.provider "local"',
      );
    });

    it('refuses a Kubernetes version that a given kind node image overrides; keeps it when the image is built', () => {
      expect(refusal(`${kube}cluster: {provider: kind, nodeImage: "kindest/node:v1.34.0", kubernetes: 1.33.1}\n`)).to.include(
        'the node image decides the Kubernetes version',
      );
      const built =
        `${kube}runtime: {containerd: "1.7.22", runc: "1.1.14"}\ncluster: {provider: kind, nodeImage: "kindest/node:v1.34.0", ` +
        `nodeImageBuild: online, kubernetes: 1.33.1}\n`;
      expect(cells(built)[0]!.settings.cluster!.kubernetes).to.equal('1.33.1');
    });

    it('refuses a kubeconfig or context next to a cluster podchurn brings up; keeps them for existing', () => {
      expect(refusal(`${header}target: {type: kube, kube: {kubeconfig: /k}}\ncluster: {provider: kind}\n`)).to.include(
        'target.kube.kubeconfig has no effect with cluster.provider "kind"',
      );
      expect(refusal(`${header}target: {type: kube, kube: {context: c}}\ncluster: {provider: local}\n`)).to.include('target.kube.context has no effect');
      expect(cells(`${header}target: {type: kube, kube: {kubeconfig: /k}}\ncluster: {provider: existing}\n`)[0]!.settings.target.kube!.kubeconfig).to.equal(
        '/k',
      );
    });
  });

  describe('gracePeriodSeconds on kube with deleteGracePeriodSeconds', () => {
    it("refuses a grace axis that the DELETE grace overrides; a single value stays (the pods' terminationGracePeriodSeconds)", () => {
      const target = `${header}target: {type: kube, kube: {deleteGracePeriodSeconds: 0}}\n`;
      expect(refusal(`${target}matrix: {gracePeriodSeconds: [30, 60]}\n`)).to.include('Vary target.kube.deleteGracePeriodSeconds instead');
      expect(cells(`${target}gracePeriodSeconds: 30\n`)[0]!.settings.gracePeriodSeconds).to.equal(30);
      expect(cells(`${kube}matrix: {gracePeriodSeconds: [30, 60]}\n`)).to.have.length(2);
    });
  });

  describe('gates', () => {
    it('refuses maxStateMismatch when every cell is kube (a kube run never reports a lost exit); keeps it on cri', () => {
      expect(refusal(`${kube}gates: {maxStateMismatch: 0}\n`)).to.include('gates.maxStateMismatch has no effect on a kube target');
      const loaded = parseScenario(`${header}gates: {maxStateMismatch: 0}\n`, 's.yaml');
      expect(expandMatrix(loaded.scenario, 's.yaml', { written: loaded, rulesFor: targetScenarioRules })).to.have.length(1);
      expect(loaded.scenario.gates.maxStateMismatch).to.equal(0);
    });
  });

  it('re-analysis reads the stored, fully resolved scenario without refusing its written-out defaults', () => {
    const loaded = parseScenario(`${kube}cluster: {provider: local}\nexecProbe: {periodMs: 2000}\n`, 's.yaml');
    const stored = parseScenario(stringify(loaded.scenario), 'scenario.yaml');
    expect(() => expandMatrix(stored.scenario, 'scenario.yaml', { written: stored, rulesFor: targetScenarioRules })).to.throw(InputError, /has no effect/);
    const [cell] = expandMatrix(stored.scenario, 'scenario.yaml');
    expect(cell!.settings).to.deep.equal(expandMatrix(loaded.scenario, 's.yaml', { written: loaded, rulesFor: targetScenarioRules })[0]!.settings);
  });

  it('every shipped scenario passes', () => {
    const dir = new URL('../../scenarios/', import.meta.url).pathname;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).to.be.greaterThan(3);
    for (const file of files) expect(planRun(join(dir, file), []).cells.length, file).to.be.greaterThan(0);
  });

  it('podchurn validate exits 2 with the field, the reason and what to write instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-honesty-'));
    const file = join(dir, 'probes-off.yaml');
    writeFileSync(file, `${header}execProbe: {enabled: false, workers: 4}\n`);
    const result = await runCli(['validate', file]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(`${file}: execProbe.workers has no effect with execProbe.enabled false`);
    expect(result.stderr).not.to.match(/\n\s+at /);
    const ok = await runCli(['validate', file, '--set', 'execProbe.enabled=true']);
    expect(ok.code, ok.stderr).to.equal(0);
  }).timeout(30_000);

  describe("each target's own rules (targets/*/scenario-rules.ts)", () => {
    it('refuses a cluster block on a cri target and a CRI stop-latency gate on a kube target', () => {
      expect(refusal(`${header}cluster: {provider: local}\n`)).to.include('cluster is only used with target.type "kube"');
      expect(refusal(`${kube}gates: {maxP99StopMs: 500}\n`)).to.include('gates.maxP99StopMs limits CRI stop latency');
      expect(cells(`${header}gates: {maxP99StopMs: 500}\n`)).to.have.length(1);
    });

    it("applies a target's field rule to that target's cells only: a key one target ignores is fine when the other uses it", () => {
      const mixed = `${header}execProbe: {workers: 4}\nmatrix: {target.type: [cri, kube]}\n`;
      expect(cells(mixed).map((cell) => cell.settings.target.type)).to.deep.equal(['cri', 'kube']);
      expect(refusal(`${kube}execProbe: {workers: 4}\n`)).to.include('execProbe.workers has no effect on a kube target');
    });
  });
});
