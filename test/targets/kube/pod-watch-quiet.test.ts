import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { connectKube } from '../../../src/cluster/kube-connection.js';
import { PodWatch, type PodObservation } from '../../../src/targets/kube/pod-watch.js';
import { monotonicClock, sleep } from '../../../src/util/clock.js';
import { apiserverPerSuite } from '../../helpers/apiserver.js';

/**
 * @kubernetes/client-node 2.x aborts a watch that received nothing for 30 s; a quiet namespace must
 * not cost the pod watch a reconnect (an event arriving meanwhile would be stamped late).
 */
describe('the pod watch through a quiet stretch longer than the library’s 30 s inactivity limit', function () {
  this.timeout(180_000);
  const harnessOf = apiserverPerSuite();

  it('stays on one connection for 40 s without events, then sees the next pod at once', async () => {
    const connection = await connectKube({ kubeconfig: harnessOf().kubeconfig });
    const api = connection.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = 'quiet-watch';
    await api.createNamespace({ body: { metadata: { name: namespace } } });
    const seen: PodObservation[] = [];
    const watch = new PodWatch({
      kubeConfig: connection.kubeConfig,
      namespace,
      labelSelector: 'quiet=yes',
      clock: monotonicClock(),
      consume: (observation) => seen.push(observation),
    });
    await watch.start();
    try {
      await sleep(40_000);
      expect(watch.stats.reconnects, 'reconnects during the quiet stretch').to.equal(0);
      await api.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'after-quiet', labels: { quiet: 'yes' } },
          spec: { nodeName: 'no-such-node', containers: [{ name: 'c', image: 'registry.invalid/none:1' }] },
        },
      });
      for (let i = 0; i < 50 && !seen.some((o) => o.object.metadata?.name === 'after-quiet'); i++) await sleep(100);
      expect(seen.map((o) => `${o.type} ${o.object.metadata?.name}`)).to.include('ADDED after-quiet');
      expect(watch.stats.reconnects).to.equal(0);
    } finally {
      await watch.stop();
    }
  });
});
