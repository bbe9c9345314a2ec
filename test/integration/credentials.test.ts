import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import type { ApiserverHarness } from '../../src/cluster/apiserver-harness.js';
import { freeLoopbackPort } from '../../src/cluster/free-port.js';
import { KUBERNETES_KEY, startApiserver } from '../helpers/apiserver.js';
import { provisionSetUp, provisionStoreKeys } from '../helpers/provision.js';
import { repoRoot, type CliResult } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string } }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

/** The built CLI, as a user runs it (`npm run build` first; built here when dist/ is missing). */
function podchurn(args: readonly string[]): Promise<CliResult> {
  const child = spawn(process.execPath, ['bin/podchurn.js', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Needles for one secret: the whole value, and every 40-character slice of it (so a truncated or
 * re-wrapped copy is found too). For a PEM file: its base64 body lines, the body joined, and the
 * file's own base64 (what `client-key-data` holds).
 */
function needlesFor(name: string, secret: string): { name: string; needle: string }[] {
  const out = [{ name, needle: secret }];
  for (let i = 0; i + 40 <= secret.length; i += 40) out.push({ name: `${name}[${i}..${i + 40}]`, needle: secret.slice(i, i + 40) });
  return out;
}

function pemNeedles(name: string, pem: string): { name: string; needle: string }[] {
  const body = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
  return [
    ...body.filter((line) => line.length >= 40).map((line, i) => ({ name: `${name} PEM line ${i + 1}`, needle: line })),
    ...needlesFor(`${name} PEM body`, body.join('')),
    ...needlesFor(`${name} base64 (kubeconfig *-data)`, Buffer.from(pem).toString('base64')),
  ];
}

describe('credentials never leak into run directories or CLI output', function () {
  this.timeout(300_000);
  let harness: ApiserverHarness;
  const captured: { what: string; text: string }[] = [];
  const runDirs: string[] = [];

  before(provisionStoreKeys(KUBERNETES_KEY));
  before(provisionSetUp()); // the bundled CLI, rebuilt when a source is newer
  before(async () => {
    harness = await startApiserver();
  });
  after(async () => {
    await harness?.stop();
  });

  it('a kube run, its re-rendered reports and failing runs hold no client key, CA key or bearer token', async () => {
    const token = `podchurn-secret-${randomBytes(24).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-credentials-'));
    const base = parse(readFileSync(harness.kubeconfig, 'utf8')) as Kubeconfig;
    const clientKeyData = base.users[0]!.user['client-key-data']!;
    expect(clientKeyData, 'the harness kubeconfig carries an inline client key').to.be.a('string').with.length.above(100);
    // One file with both kinds of credential: the client-cert user is current, a token user sits beside it.
    const withToken = (server: string, current: 'cert' | 'token'): string => {
      const config: Kubeconfig = structuredClone(base);
      config.clusters[0]!.cluster.server = server;
      config.users.push({ name: 'token-user', user: { token } });
      config.contexts.push({ name: 'token', context: { cluster: config.clusters[0]!.name, user: 'token-user' } });
      if (current === 'token') config['current-context'] = 'token';
      const file = join(dir, `kubeconfig-${current}-${server.replace(/\W+/g, '_')}`);
      writeFileSync(file, stringify(config), { mode: 0o600 });
      return file;
    };
    const unreachable = `https://127.0.0.1:${await freeLoopbackPort()}`;
    const kube = { nodeName: 'no-such-node', waitFor: 'created', deleteGracePeriodSeconds: 0, qps: 50, burst: 50 };
    const run = async (what: string, kubeconfig: string, extra: string[] = []) => {
      const { file, reportsDir } = writeScenario(`creds-${what}`, {
        target: { type: 'kube', kube: { kubeconfig, ...kube } },
        pods: 6,
        batchSize: 3,
        concurrency: 3,
        gracePeriodSeconds: 0,
      });
      const result = await podchurn(['run', file, '--reports-dir', reportsDir, ...extra]);
      captured.push({ what: `run ${what} stdout`, text: result.stdout }, { what: `run ${what} stderr`, text: result.stderr });
      runDirs.push(reportsDir);
      return { result, reportsDir };
    };

    // A run that works, then its reports re-rendered from the run directory (also as JSON).
    const ok = await run('ok', withToken(harness.server, 'cert'));
    expect(ok.result.code, ok.result.stderr).to.equal(0);
    const runDir = join(ok.reportsDir, readdirSync(ok.reportsDir)[0]!);
    for (const file of ['events.jsonl', 'summary.json', 'environment.json', 'scenario.yaml', 'report.md', 'report.html', 'junit.xml']) {
      expect(existsSync(join(runDir, file)), file).to.equal(true);
    }
    for (const args of [
      ['report', runDir],
      ['report', runDir, '--json'],
    ]) {
      const result = await podchurn(args);
      expect(result.code, result.stderr).to.equal(0);
      captured.push({ what: `${args.join(' ')} stdout`, text: result.stdout }, { what: `${args.join(' ')} stderr`, text: result.stderr });
    }
    const json = await run('ok-json', withToken(harness.server, 'cert'), ['--json']);
    expect(json.result.code, json.result.stderr).to.equal(0);

    // Failing runs, so error messages are covered too (with --debug: causes and stack traces).
    const down = await run('unreachable', withToken(unreachable, 'cert'), ['--debug']);
    expect(down.result.code, down.result.stderr).to.equal(3);
    expect(down.result.stderr).to.match(/does not answer/);
    const downToken = await run('unreachable-token', withToken(unreachable, 'token'), ['--debug']);
    expect(downToken.result.code, downToken.result.stderr).to.equal(3);
    // The harness accepts no tokens: the API answers 401 to the token user.
    const refused = await run('token-refused', withToken(harness.server, 'token'), ['--debug']);
    expect(refused.result.code, refused.result.stderr).to.equal(3);
    expect(refused.result.stderr).to.match(/Unauthorized|401/);

    const needles = [
      ...needlesFor('bearer token', token),
      ...needlesFor('client-key-data', clientKeyData),
      ...pemNeedles('client key', readFileSync(harness.pki.adminKey, 'utf8')),
      ...pemNeedles('CA key', readFileSync(harness.pki.caKey, 'utf8')),
    ];
    const haystacks = [...captured, ...runDirs.flatMap(filesUnder).map((file) => ({ what: file, text: readFileSync(file, 'latin1') }))];
    expect(haystacks.filter((h) => h.what.includes('/summary.json')).length, 'run directories searched').to.be.at.least(3);
    const leaks = haystacks.flatMap((h) => needles.filter((n) => h.text.includes(n.needle)).map((n) => `${n.name} in ${h.what}`));
    expect(leaks).to.deep.equal([]);
    // The searches can find what they look for: the kubeconfig copies do hold the secrets.
    const kubeconfigText = readFileSync(withToken(harness.server, 'token'), 'utf8');
    expect(kubeconfigText).to.include(token).and.include(clientKeyData);
  });
});
