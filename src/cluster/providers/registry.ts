import { InputError } from '../../errors.js';
import type { ClusterProvider, ProviderName } from '../provider.js';

/** The provider object for a name; each provider module is loaded only when asked for. */
export async function clusterProvider(name: ProviderName): Promise<ClusterProvider> {
  switch (name) {
    case 'local':
      return new (await import('./local/local-provider.js')).LocalProvider();
    case 'kind':
      return new (await import('./kind/kind-provider.js')).KindProvider();
    case 'existing':
      return new (await import('./existing.js')).ExistingProvider();
    default:
      throw new InputError(`cluster provider "${name}" is not available in this version.`);
  }
}
