import { expect } from 'chai';
import type { Agent } from 'node:https';
import { CoreV1Api } from '@kubernetes/client-node';
import type { ApiserverHarness } from '../../src/cluster/apiserver-harness.js';
import { connectKube } from '../../src/cluster/kube-connection.js';
import { KUBERNETES_KEY, startApiserver } from '../helpers/apiserver.js';
import { provisionStoreKeys } from '../helpers/provision.js';

type AgentFactory = (cluster: unknown, options: Record<string, unknown>) => Agent;

describe('shared API agents on a real kube-apiserver', function () {
  this.timeout(120_000);
  let harness: ApiserverHarness;

  before(provisionStoreKeys(KUBERNETES_KEY));
  before(async () => {
    harness = await startApiserver();
  });
  after(async () => {
    await harness?.stop();
  });

  it('hands every request the same keep-alive agent, whose one TLS context still presents the client certificate', async () => {
    const connection = await connectKube({ kubeconfig: harness.kubeconfig });
    const target = connection.kubeConfig as unknown as { createAgent: AgentFactory };
    const shared = target.createAgent.bind(connection.kubeConfig);
    const handedOut: Agent[] = [];
    target.createAgent = (cluster, options) => {
      const agent = shared(cluster, options);
      handedOut.push(agent);
      return agent;
    };
    const api = connection.kubeConfig.makeApiClient(CoreV1Api);
    // Concurrent requests open several connections; RBAC answers 403 to a client without its certificate.
    const lists = await Promise.all(Array.from({ length: 12 }, () => api.listNamespace()));
    expect(lists.every((list) => list.items.some((ns) => ns.metadata?.name === 'default'))).to.equal(true);
    expect(handedOut).to.have.length(12);
    expect(new Set(handedOut).size).to.equal(1);
    const agent = handedOut[0]! as Agent & { options: { keepAlive?: boolean; secureContext?: unknown }; freeSockets: Record<string, unknown[]> };
    expect(agent.options.keepAlive).to.equal(true);
    expect(agent.options.secureContext).to.be.an('object');
    // The connections were kept for reuse, not closed after each answer.
    expect(Object.values(agent.freeSockets).flat().length).to.be.greaterThan(1);
  });
});
