import { ApiserverHarness } from '../../src/cluster/apiserver-harness.js';
import { RuntimeStore } from '../../src/runtime/store.js';
import { sleep } from '../../src/util/clock.js';

/** The Kubernetes pin the API-path tests run against (built into the runtime store once, then cached). */
export const KUBERNETES_KEY = 'kubernetes@1.34.4';

/**
 * Starts etcd + kube-apiserver from the runtime store. If another process is still building the
 * key, waits for its manifest rather than starting a second build.
 */
export async function startApiserver(waitForBuildMs = 0, options: { serviceAccountAdmission?: boolean } = {}): Promise<ApiserverHarness> {
  const store = new RuntimeStore();
  const deadline = Date.now() + waitForBuildMs;
  let entry = await store.get(KUBERNETES_KEY);
  while (!entry && Date.now() < deadline) {
    await sleep(5_000);
    entry = await store.get(KUBERNETES_KEY);
  }
  const kubeApiserver = entry?.binaries['kube-apiserver'];
  if (!kubeApiserver) throw new Error(`${KUBERNETES_KEY} is not in the runtime store; build it with: podchurn runtime build ${KUBERNETES_KEY}`);
  return ApiserverHarness.start({ kubeApiserver, ...options });
}
