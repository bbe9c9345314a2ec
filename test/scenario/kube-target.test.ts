import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { kubeTargetSettings } from '../../src/scenario/schema.js';

const header = 'apiVersion: podchurn/v1\nkind: Scenario\nmetadata: {name: t}\n';

function loadError(text: string): string {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (error) {
    expect(error).to.be.instanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario: kube target', () => {
  it('accepts type kube without a kube block and applies the defaults', () => {
    const { scenario } = parseScenario(`${header}target: {type: kube}\n`, 's.yaml');
    expect(scenario.target.type).to.equal('kube');
    expect(kubeTargetSettings(scenario.target)).to.deep.equal({
      namespacePrefix: 'podchurn-',
      qps: 20,
      burst: 40,
      waitFor: 'ready',
      nodeAgent: false,
      nodeAgentCriSocket: '/run/containerd/containerd.sock',
    });
  });

  it('keeps every kube setting given', () => {
    const text =
      `${header}target:\n  type: kube\n  kube: {kubeconfig: /k, context: c, namespacePrefix: churn-, qps: 2.5, burst: 3, ` +
      `deleteGracePeriodSeconds: 0, propagationPolicy: Background, nodeName: n1, waitFor: created, nodeAgent: true, ` +
      `nodeAgentImage: reg.example/agent:1, nodeAgentCriSocket: /run/k3s/containerd/containerd.sock, ` +
      `nodeAgentLogFiles: {containerd: /var/log/containerd.log, kubelet: /var/log/kubelet.log}, nodeAgentContainerdMetrics: '[::1]:1338'}\n`;
    const { scenario } = parseScenario(text, 's.yaml');
    expect(scenario.target.kube).to.deep.equal({
      kubeconfig: '/k',
      context: 'c',
      namespacePrefix: 'churn-',
      qps: 2.5,
      burst: 3,
      deleteGracePeriodSeconds: 0,
      propagationPolicy: 'Background',
      nodeName: 'n1',
      waitFor: 'created',
      nodeAgent: true,
      nodeAgentImage: 'reg.example/agent:1',
      nodeAgentCriSocket: '/run/k3s/containerd/containerd.sock',
      nodeAgentLogFiles: { containerd: '/var/log/containerd.log', kubelet: '/var/log/kubelet.log' },
      nodeAgentContainerdMetrics: '[::1]:1338',
    });
  });

  const bad: { name: string; target: string; expect: RegExp[] }[] = [
    { name: 'zero qps', target: '{type: kube, kube: {qps: 0}}', expect: [/target\.kube\.qps \(line 4\)/, /got 0/] },
    { name: 'fractional burst', target: '{type: kube, kube: {burst: 1.5}}', expect: [/target\.kube\.burst/] },
    {
      name: 'a metrics address without a port',
      target: '{type: kube, kube: {nodeAgent: true, nodeAgentContainerdMetrics: "http://127.0.0.1/v1/metrics"}}',
      expect: [/target\.kube\.nodeAgentContainerdMetrics/, /must be host:port/],
    },
    {
      name: 'negative delete grace',
      target: '{type: kube, kube: {deleteGracePeriodSeconds: -1}}',
      expect: [/target\.kube\.deleteGracePeriodSeconds/, /got -1/],
    },
    {
      name: 'unknown propagation policy',
      target: '{type: kube, kube: {propagationPolicy: Sometimes}}',
      expect: [/target\.kube\.propagationPolicy/, /"Foreground", "Background", "Orphan"/, /got "Sometimes"/],
    },
    {
      name: 'namespace prefix that is not a DNS label',
      target: '{type: kube, kube: {namespacePrefix: Bad}}',
      expect: [/target\.kube\.namespacePrefix/, /lower-case/],
    },
    { name: 'unknown kube field', target: '{type: kube, kube: {qpss: 1}}', expect: [/target\.kube/, /unknown field "qpss"/] },
    { name: 'kube block on a cri target', target: '{type: cri, kube: {qps: 1}}', expect: [/target\.kube/, /only used when target\.type is "kube"/] },
    { name: 'CRI endpoint on a kube target', target: '{type: kube, endpoint: /run/containerd.sock}', expect: [/target\.endpoint/, /target\.kube\.kubeconfig/] },
    { name: 'unknown target type', target: '{type: nomad}', expect: [/target\.type/, /"cri", "kube"/] },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} with a message naming the field`, () => {
      const message = loadError(`${header}target: ${c.target}\n`);
      for (const pattern of c.expect) expect(message).to.match(pattern);
    });
  }
});
