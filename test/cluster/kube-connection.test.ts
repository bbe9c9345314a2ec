import { expect } from 'chai';
import { Agent, type RequestOptions } from 'node:https';
import { CoreV1Api } from '@kubernetes/client-node';
import { apiSocketsFor, connectKube } from '../../src/cluster/kube-connection.js';
import { apiserverPerSuite } from '../helpers/apiserver.js';

/** The parts of undici's Agent this test reads (@kubernetes/client-node 2.x hands one to every request). */
interface UndiciAgent {
  stats: Record<string, { connected: number; free: number }>;
}
type DispatcherFactory = (cluster: unknown, options: Record<string, unknown>) => UndiciAgent;
type DispatcherOptionsFactory = (cluster: unknown, options: Record<string, unknown>) => { type: string; connect?: Record<string, unknown> };

describe('shared API agents on a real kube-apiserver', function () {
  this.timeout(120_000);
  const harnessOf = apiserverPerSuite();

  it('hands every request the same keep-alive agent, whose one TLS context still presents the client certificate', async () => {
    const connection = await connectKube({ kubeconfig: harnessOf().kubeconfig });
    const target = connection.kubeConfig as unknown as { createDispatcher: DispatcherFactory; createDispatcherOptions: DispatcherOptionsFactory };
    const shared = target.createDispatcher.bind(connection.kubeConfig);
    const handedOut: UndiciAgent[] = [];
    target.createDispatcher = (cluster, options) => {
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
    const options = target.createDispatcherOptions(connection.kubeConfig.getCurrentCluster(), { ca: Buffer.from('x') });
    expect(options.type).to.equal('agent');
    expect(options.connect?.keepAlive).to.equal(true);
    expect(options.connect?.secureContext).to.be.an('object');
    // kube-apiserver accepts HTTP/2 (ALPN), which undici offers: the concurrent requests were
    // multiplexed over one connection, and it was kept open for the next ones.
    const [origin] = Object.values(handedOut[0]!.stats);
    expect(origin?.connected).to.equal(1);
    await Promise.all(Array.from({ length: 12 }, () => api.listNamespace()));
    expect(Object.values(handedOut[0]!.stats)[0]?.connected).to.equal(1);
  });

  it('hands requests sent through applyToHTTPSOptions one keep-alive https.Agent with one TLS context and connections for the qps', async () => {
    const connection = await connectKube({ kubeconfig: harnessOf().kubeconfig, qps: 300 });
    const first: RequestOptions = {};
    const second: RequestOptions = {};
    await connection.kubeConfig.applyToHTTPSOptions(first);
    await connection.kubeConfig.applyToHTTPSOptions(second);
    expect(first.agent).to.be.instanceOf(Agent);
    expect(second.agent).to.equal(first.agent);
    const agent = first.agent as Agent & { options: { keepAlive?: boolean; secureContext?: unknown } };
    expect(agent.options.keepAlive).to.equal(true);
    expect(agent.options.secureContext).to.be.an('object');
    // 300 requests a second at 100 ms each.
    expect(agent.maxSockets).to.equal(30);
  });

  it('opens at least 8 connections, more as the qps needs them', () => {
    expect([apiSocketsFor(undefined), apiSocketsFor(5), apiSocketsFor(50), apiSocketsFor(80), apiSocketsFor(81), apiSocketsFor(1000)]).to.deep.equal([
      8, 8, 8, 8, 9, 100,
    ]);
  });
});
