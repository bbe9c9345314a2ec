import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { connectKube } from '../../../src/cluster/kube-connection.js';
import { LeanWatch } from '../../../src/targets/kube/lean-watch.js';
import { sleep } from '../../../src/util/clock.js';
import { apiserverPerSuite } from '../../helpers/apiserver.js';

const pod = (name: string) => ({
  metadata: { name, labels: { 'podchurn.test/watch': 'yes' } },
  spec: { nodeName: 'no-such-node', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'registry.invalid/none:1' }] },
});

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (condition()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('LeanWatch: the library’s watch contract over Node’s https, on a real kube-apiserver', function () {
  this.timeout(120_000);
  const harnessOf = apiserverPerSuite();
  const namespace = 'lean-watch';
  let api: CoreV1Api;
  let watcher: LeanWatch;

  before(async () => {
    const connection = await connectKube({ kubeconfig: harnessOf().kubeconfig });
    api = connection.kubeConfig.makeApiClient(CoreV1Api);
    watcher = new LeanWatch(connection.kubeConfig, 60_000);
    await api.createNamespace({ body: { metadata: { name: namespace } } });
  });

  it('delivers ADDED, MODIFIED and DELETED with the API’s objects in order, and done(error) once when aborted', async () => {
    const events: string[] = [];
    const doneCalls: unknown[] = [];
    // As the pod watch does: list, then watch from the list's resourceVersion.
    const list = await api.listNamespacedPod({ namespace });
    const controller = await watcher.watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { labelSelector: 'podchurn.test/watch=yes', allowWatchBookmarks: true, resourceVersion: list.metadata?.resourceVersion, fieldSelector: undefined },
      (type, object) => {
        const metadata = (object as { metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: string } }).metadata;
        const detail = metadata?.deletionTimestamp ? ' (deleting)' : metadata?.labels?.extra ? ' (extra)' : '';
        if (type !== 'BOOKMARK') events.push(`${type} ${metadata?.name}${detail}`);
      },
      (error) => doneCalls.push(error),
    );
    await api.createNamespacedPod({ namespace, body: pod('watched') });
    await api.patchNamespacedPod({ name: 'watched', namespace, body: [{ op: 'add', path: '/metadata/labels/extra', value: 'x' }] });
    await api.deleteNamespacedPod({ name: 'watched', namespace, gracePeriodSeconds: 0 });
    await until(() => events.some((event) => event.startsWith('DELETED watched')), 'the DELETED event');
    expect(events).to.deep.equal(['ADDED watched', 'MODIFIED watched (extra)', 'MODIFIED watched (deleting)', 'DELETED watched (deleting)']);
    expect(doneCalls).to.have.length(0);
    controller.abort();
    await until(() => doneCalls.length > 0, 'done after the abort');
    await sleep(100);
    expect(doneCalls).to.have.length(1);
    expect(doneCalls[0]).to.be.instanceOf(Error);
  });

  it('answers a watch the API refuses with done(error) carrying its status, then resolves', async () => {
    const doneCalls: unknown[] = [];
    const controller = await watcher.watch(
      '/api/v1/namespaces/lean-watch/nosuchresource',
      {},
      () => undefined,
      (error) => doneCalls.push(error),
    );
    expect(controller).to.be.instanceOf(AbortController);
    expect(doneCalls).to.have.length(1);
    expect((doneCalls[0] as { statusCode?: number }).statusCode).to.equal(404);
  });

  it('ends with done(null) when the server ends the watch (timeoutSeconds)', async () => {
    const doneCalls: unknown[] = [];
    await watcher.watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { timeoutSeconds: 1 },
      () => undefined,
      (error) => doneCalls.push(error),
    );
    await until(() => doneCalls.length > 0, 'the server to end the watch');
    expect(doneCalls).to.deep.equal([null]);
  });

  it('gives up on a connection silent for longer than its inactivity limit', async () => {
    const connection = await connectKube({ kubeconfig: harnessOf().kubeconfig });
    const impatient = new LeanWatch(connection.kubeConfig, 500);
    const doneCalls: unknown[] = [];
    // An empty namespace sends nothing (no bookmarks asked for) until the server's own end in 60 s.
    await impatient.watch(
      '/api/v1/namespaces/lean-watch-silent/pods',
      { timeoutSeconds: 60 },
      () => undefined,
      (error) => doneCalls.push(error),
    );
    await until(() => doneCalls.length > 0, 'the inactivity limit');
    expect(String(doneCalls[0])).to.contain('silent for 0.5s');
  });
});
