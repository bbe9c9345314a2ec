import { ApiserverHarness } from '../../src/cluster/apiserver-harness.js';
import { RuntimeStore, parseAnyKey } from '../../src/runtime/store.js';
import { KUBERNETES_KEY, ensureStoreKeys, provisionStoreKeys } from './provision.js';

export { KUBERNETES_KEY };

/**
 * Starts etcd + kube-apiserver, kube-apiserver from the runtime store's KUBERNETES_KEY. A missing key
 * is built first, as a user's run would (the store's lock makes a second process wait for the first
 * build); callers give their `before` hook PROVISION_TIMEOUT_MS, or provision the key in a hook before.
 */
export async function startApiserver(options: { serviceAccountAdmission?: boolean } = {}): Promise<ApiserverHarness> {
  await ensureStoreKeys(KUBERNETES_KEY);
  const binaries = await new RuntimeStore().ensure(parseAnyKey(KUBERNETES_KEY), { autoInstall: false });
  return ApiserverHarness.start({ kubeApiserver: binaries['kube-apiserver']!, ...options });
}

/**
 * A real kube-apiserver for the describe block that calls this: its Kubernetes key provisioned and the
 * server started before the block's tests, stopped after them. Returns the running harness's accessor.
 */
export function apiserverPerSuite(options: { serviceAccountAdmission?: boolean } = {}): () => ApiserverHarness {
  let harness: ApiserverHarness | undefined;
  before(provisionStoreKeys(KUBERNETES_KEY));
  before(async () => {
    harness = await startApiserver(options);
  });
  after(async () => {
    await harness?.stop();
  });
  return () => harness!;
}
