import { join } from 'node:path';
import { cacheDir } from '../../../util/dirs.js';

/**
 * Where podchurn keeps what it writes for one kind cluster: the kubeconfig and the generated kind
 * config. Everything here can be regenerated (`kind get kubeconfig`), so it lives under the cache
 * directory (PODCHURN_CACHE_DIR moves it); `cluster down` removes it.
 */
export interface KindStatePaths {
  dir: string;
  kubeconfig: string;
  config: string;
}

export function kindStateRoot(): string {
  return join(cacheDir(), 'clusters', 'kind');
}

export function kindStatePaths(name: string, root: string = kindStateRoot()): KindStatePaths {
  const dir = join(root, name);
  return { dir, kubeconfig: join(dir, 'kubeconfig'), config: join(dir, 'kind-config.yaml') };
}
