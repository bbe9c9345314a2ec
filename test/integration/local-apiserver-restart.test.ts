import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify as toYaml } from 'yaml';
import { localClusterLayout } from '../../src/cluster/providers/local/layout.js';
import { restartComponent } from '../../src/cluster/providers/local/local-cluster.js';
import { LocalProvider } from '../../src/cluster/providers/local/local-provider.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../src/scenario/schema.js';
import { spawnCli } from '../helpers/cli.js';
import { KUBERNETES_KEY, provisionStoreKeys } from '../helpers/provision.js';

interface Event {
  kind: string;
  pod?: string;
  data?: { scope?: string; watch?: { reconnects: number } };
}

const readEvents = (file: string): Event[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.endsWith('}'))
        .map((line) => JSON.parse(line) as Event)
    : [];

describe('local cluster: kube-apiserver restarted in the middle of a kube run', function () {
  this.timeout(600_000);
  const name = 'pc-restart';
  const provider = new LocalProvider();

  before(provisionStoreKeys(KUBERNETES_KEY));
  after(async () => {
    await provider.down(name);
  });

  it('the watch resumes, no deletion is lost, the run finishes clean', async () => {
    const handle = await provider.up({
      provider: 'local',
      name,
      kubernetes: DEFAULT_KUBERNETES_VERSION,
      containerd: 'system',
      runc: 'system',
      runtimeRequestTimeoutSeconds: 30,
      containerdConfigPatches: [],
    });
    const work = mkdtempSync(join(tmpdir(), 'podchurn-restart-'));
    const scenario = join(work, 'restart.yaml');
    writeFileSync(
      scenario,
      toYaml({
        apiVersion: 'podchurn/v1',
        kind: 'Scenario',
        metadata: { name: 'apiserver-restart' },
        target: { type: 'kube', kube: { qps: 50, burst: 50 } },
        cluster: { provider: 'local', name },
        pods: 20,
        batchSize: 10,
        concurrency: 10,
        cycles: 2,
        holdSeconds: 2,
        gracePeriodSeconds: 2,
        requestTimeoutSeconds: 30,
        slackSeconds: 20,
        workload: { onSigterm: 'exit' },
      }),
    );
    const reports = join(work, 'reports');
    const { done } = spawnCli(['run', scenario, '--reports-dir', reports]);
    const eventsFile = () => (existsSync(reports) && readdirSync(reports)[0] ? join(reports, readdirSync(reports)[0]!, 'events.jsonl') : '');
    // Restart the apiserver while the first cycle's deletions are in flight.
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && !readEvents(eventsFile()).some((e) => e.kind === 'delete-sent')) await new Promise((resolve) => setTimeout(resolve, 100));
    await restartComponent(localClusterLayout(name), handle.state, 'kube-apiserver', 2_000);

    const result = await done;
    expect(result.code, result.stderr).to.equal(0);
    const runDir = join(reports, readdirSync(reports)[0]!);
    const events = readEvents(join(runDir, 'events.jsonl'));
    expect(events.filter((e) => e.kind === 'gone')).to.have.length(40);
    expect(new Set(events.filter((e) => e.kind === 'gone').map((e) => e.pod)).size).to.equal(40);
    const namespaceCleanup = events.find((e) => e.kind === 'cleanup' && e.data?.scope === 'namespace');
    expect(namespaceCleanup?.data?.watch?.reconnects, 'the watch reconnected after the restart').to.be.at.least(1);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as {
      cells: { outcomes: Record<string, number> }[];
      leakCheck: { leaked: string[] };
    };
    expect(summary.cells[0]!.outcomes.stuck).to.equal(0);
    expect(summary.cells[0]!.outcomes['infra-error']).to.equal(0);
    expect(summary.leakCheck.leaked).to.deep.equal([]);
    const teardown = await provider.down(name);
    expect(teardown.leftovers).to.deep.equal([]);
  });
});
