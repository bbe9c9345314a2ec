import { expect } from 'chai';
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import type { ApiserverHarness } from '../../../src/cluster/apiserver-harness.js';
import { connectKube } from '../../../src/cluster/kube-connection.js';
import { statusOf } from '../../../src/targets/kube/api-retry.js';
import { LeanPodApi } from '../../../src/targets/kube/lean-pod-api.js';
import { KUBERNETES_KEY, startApiserver } from '../../helpers/apiserver.js';
import { provisionStoreKeys } from '../../helpers/provision.js';

const pod = (name: string) => ({
  metadata: { name, labels: { 'podchurn.test/lean': 'yes' } },
  spec: { nodeName: 'no-such-node', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'registry.invalid/none:1' }] },
});

describe('LeanPodApi: pod create and delete without the model classes, on a real kube-apiserver', function () {
  this.timeout(120_000);
  let harness: ApiserverHarness;
  let lean: LeanPodApi;
  let library: CoreV1Api;
  const namespace = 'lean-pod-api';

  before(provisionStoreKeys(KUBERNETES_KEY));
  before(async () => {
    harness = await startApiserver();
    const connection = await connectKube({ kubeconfig: harness.kubeconfig });
    lean = connection.kubeConfig.makeApiClient(LeanPodApi);
    library = connection.kubeConfig.makeApiClient(CoreV1Api);
    await library.createNamespace({ body: { metadata: { name: namespace } } });
  });
  after(async () => {
    await harness?.stop();
  });

  it('creates a pod and answers with the API JSON (uid, resourceVersion; timestamps as strings)', async () => {
    const created = await lean.createNamespacedPod({ namespace, body: pod('lean-a') });
    expect(created.metadata?.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).to.be.a('string').and.not.equal('');
    expect(created.metadata?.creationTimestamp).to.be.a('string');
    const read = await library.readNamespacedPod({ name: 'lean-a', namespace });
    expect(read.metadata?.uid).to.equal(created.metadata?.uid);
    expect(read.metadata?.labels?.['podchurn.test/lean']).to.equal('yes');
  });

  it('deletes with the grace period it is given, and a second delete is a 404 ApiException', async () => {
    await lean.createNamespacedPod({ namespace, body: pod('lean-b') });
    // No kubelet: with grace 0 the API removes the pod at once; with the default it would wait for a node.
    const deleted = await lean.deleteNamespacedPod({ name: 'lean-b', namespace, gracePeriodSeconds: 0, propagationPolicy: 'Background' });
    expect(deleted.metadata?.name).to.equal('lean-b');
    const after = await library.listNamespacedPod({ namespace, fieldSelector: 'metadata.name=lean-b' });
    expect(after.items).to.have.length(0);
    const again = await lean.deleteNamespacedPod({ name: 'lean-b', namespace, gracePeriodSeconds: 0 }).catch((error: unknown) => error);
    expect(again).to.be.instanceOf(ApiException);
    expect(statusOf(again)).to.equal(404);
  });

  it('reports a refused create as the ApiException the retry logic reads (409 for a name taken)', async () => {
    await lean.createNamespacedPod({ namespace, body: pod('lean-c') });
    const taken = await lean.createNamespacedPod({ namespace, body: pod('lean-c') }).catch((error: unknown) => error);
    expect(statusOf(taken)).to.equal(409);
    expect((taken as ApiException<string>).body).to.contain('AlreadyExists');
  });

  it('leaves every other call to the library (list answers as model objects, with Date timestamps)', async () => {
    const list = await lean.listNamespacedPod({ namespace });
    expect(list.items.length).to.be.greaterThan(0);
    expect(list.items[0]?.metadata?.creationTimestamp).to.be.instanceOf(Date);
  });
});
