import type { KubeConfig } from '@kubernetes/client-node';
import { InfrastructureError } from '../errors.js';
import { sendKubeRequest } from './kube-request.js';
import type { NodeUnit } from './provider.js';

/** What the node log query answers at most per request: a run's lines, not a node's whole journal. */
const REQUEST_TIMEOUT_MS = 60_000;

/** How to turn the query on, said wherever a kubelet does not answer one. */
const HOW_TO_ENABLE =
  'The kubelet answers node log queries when its configuration has the NodeLogQuery feature gate (beta, off by default) and ' +
  'enableSystemLogQuery: true (docs/CLUSTERS.md); or remove cluster.nodeLogQuery.';

/**
 * A node's service logs through the kubelet's node log query (KEP-2258): GET
 * /api/v1/nodes/NODE/proxy/logs/?query=SERVICE, which the kubelet answers with `journalctl -u SERVICE`
 * on the node (or the file /var/log/SERVICE.log where the journal has none). It reaches the journal of a
 * node podchurn does not run, through the API alone: no agent, no host access.
 */
export class NodeLogQuery {
  constructor(
    private readonly kubeConfig: KubeConfig,
    /** Per unit, what to ask for: a systemd unit (containerd, kubelet) or a file under the node's /var/log. */
    private readonly queries: Partial<Record<NodeUnit, string>>,
    /** Lines from this time on (the run's start): never the node's whole journal. */
    private readonly since: Date,
  ) {}

  answers(unit: NodeUnit): boolean {
    return this.queries[unit] !== undefined;
  }

  /** The unit's lines on the node since `since`. */
  async lines(node: string, unit: NodeUnit): Promise<string> {
    return this.ask(node, unit, { sinceTime: this.since.toISOString().replace(/\.\d+Z$/, 'Z') });
  }

  /**
   * Asks every node for one line of every unit: a kubelet without the query enabled, or a user who may not
   * ask it, is named before the run creates anything.
   */
  async check(nodes: readonly string[]): Promise<void> {
    const units = Object.keys(this.queries) as NodeUnit[];
    await Promise.all(nodes.flatMap((node) => units.map((unit) => this.ask(node, unit, { tailLines: '1' }))));
  }

  private async ask(node: string, unit: NodeUnit, options: Record<string, string>): Promise<string> {
    const query = this.queries[unit];
    if (query === undefined) throw new InfrastructureError(`node log query: no query is set for the ${unit} log (cluster.nodeLogQuery.${unit})`);
    const server = this.kubeConfig.getCurrentCluster()?.server ?? '';
    const url = new URL(`${server}/api/v1/nodes/${encodeURIComponent(node)}/proxy/logs/`);
    url.searchParams.set('query', query);
    for (const [name, value] of Object.entries(options)) url.searchParams.set(name, value);
    const { status, headers, text } = await sendKubeRequest(this.kubeConfig, url, 'GET', { Accept: 'text/plain, */*' }, undefined, REQUEST_TIMEOUT_MS);
    const contentType = String(headers['content-type'] ?? '');
    const what = `node log query for ${query} on node ${node}`;
    if (status === 403) {
      throw new InfrastructureError(
        `${what}: this kubeconfig's user may not get nodes/proxy (HTTP 403), which the query goes through. Grant it, or remove cluster.nodeLogQuery.`,
      );
    }
    if (status < 200 || status > 299) throw new InfrastructureError(`${what} failed (HTTP ${status}: ${text.trim().slice(0, 300)}). ${HOW_TO_ENABLE}`);
    // Without the query enabled, the kubelet's /logs/ is a file server of /var/log and answers with its listing.
    if (contentType.includes('text/html') || text.startsWith('<pre>')) {
      throw new InfrastructureError(`${what}: the kubelet answered with its /var/log listing, not the log: the query is not enabled there. ${HOW_TO_ENABLE}`);
    }
    return text;
  }
}
