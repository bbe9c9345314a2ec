import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { InfrastructureError } from '../errors.js';
import { sleep } from '../util/clock.js';
import { whichProgram } from '../util/exec.js';
import { freeLoopbackPort } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { apiserverArgs, etcdArgs } from './control-plane-args.js';
import { createClusterPki, type ClusterPki } from './pki.js';

export interface ApiserverHarnessOptions {
  /** Path of the kube-apiserver binary (e.g. from the runtime store's kubernetes@1.34.Z). */
  kubeApiserver: string;
  /** Path of etcd; default: `etcd` on PATH (Debian etcd-server). */
  etcd?: string;
  /** Where etcd.log and kube-apiserver.log go; default: inside the harness's temp dir (removed on stop). */
  logDir?: string;
  /** Parent of the temp dir holding PKI, etcd data and the kubeconfig. */
  baseDir?: string;
  readyTimeoutMs?: number;
  /**
   * Keep kube-apiserver's ServiceAccount admission plugin on (default off). No controller-manager runs
   * here to create a namespace's `default` ServiceAccount, so with it on, a pod is refused unless its
   * client creates that account itself, as a fresh real cluster can also make a client do.
   */
  serviceAccountAdmission?: boolean;
}

const CLUSTER_NAME = 'podchurn';

/**
 * etcd and kube-apiserver on loopback, no controllers, no kubelet: enough API for pods to be
 * created, bound to a node name and deleted. Everything (PKI, data, kubeconfig) lives in one temp
 * dir that `stop()` removes; both processes are stopped before that.
 */
export class ApiserverHarness {
  private apiserver?: ManagedProcess;

  private constructor(
    readonly dir: string,
    readonly pki: ClusterPki,
    private readonly etcdProcess: ManagedProcess,
    readonly etcdUrl: string,
    readonly port: number,
    readonly kubeconfig: string,
    readonly logDir: string,
    private readonly options: ApiserverHarnessOptions,
  ) {}

  get server(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get apiserverLog(): string {
    return join(this.logDir, 'kube-apiserver.log');
  }

  static async start(options: ApiserverHarnessOptions): Promise<ApiserverHarness> {
    const etcdBinary = options.etcd ?? (await whichProgram('etcd'));
    if (!etcdBinary) throw new InfrastructureError('etcd was not found on PATH. On Debian: apt-get install -y etcd-server.');
    const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'podchurn-apiserver-'));
    const logDir = options.logDir ?? dir;
    let etcd: ManagedProcess | undefined;
    try {
      const pki = await createClusterPki(dir);
      const [clientPort, peerPort, apiPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
      const etcdUrl = `http://127.0.0.1:${clientPort}`;
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      etcd = new ManagedProcess('etcd', etcdBinary, etcdArgs(join(dir, 'etcd'), etcdUrl, peerUrl), join(logDir, 'etcd.log'));
      await waitUntil(etcd, options.readyTimeoutMs ?? 30_000, () => httpOk(`${etcdUrl}/health`));
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, await renderKubeconfig(`https://127.0.0.1:${apiPort}`, pki), { mode: 0o600 });
      const harness = new ApiserverHarness(dir, pki, etcd, etcdUrl, apiPort, kubeconfig, logDir, options);
      await harness.startApiserver();
      return harness;
    } catch (error) {
      await etcd?.stop();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Starts kube-apiserver (again) on the same port with the same data; resolves once /readyz answers ok. */
  async startApiserver(): Promise<void> {
    if (this.apiserver && !this.apiserver.isStopping) return;
    const process = new ManagedProcess(
      'kube-apiserver',
      this.options.kubeApiserver,
      [
        ...apiserverArgs({ etcdUrl: this.etcdUrl, port: this.port, pki: this.pki, certDir: join(this.dir, 'apiserver-certs') }),
        // No controller-manager runs here: the ServiceAccount plugin would reject every pod for want of
        // a default service account that only a controller creates.
        ...(this.options.serviceAccountAdmission ? [] : ['--disable-admission-plugins=ServiceAccount']),
      ],
      this.apiserverLog,
    );
    this.apiserver = process;
    await waitUntil(process, this.options.readyTimeoutMs ?? 90_000, () => this.readyz());
  }

  async stopApiserver(): Promise<void> {
    await this.apiserver?.stop();
  }

  /** Stops kube-apiserver, waits `downMs`, starts it again: every watch connection drops. */
  async restartApiserver(downMs = 0): Promise<void> {
    await this.stopApiserver();
    await sleep(downMs);
    await this.startApiserver();
  }

  /** Stops both processes and removes the temp dir; logs survive only when logDir was given. */
  async stop(): Promise<void> {
    await this.apiserver?.stop();
    await this.etcdProcess.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async readyz(): Promise<boolean> {
    const [ca, cert, key] = await Promise.all([readFile(this.pki.caCert), readFile(this.pki.adminCert), readFile(this.pki.adminKey)]);
    return new Promise((resolve) => {
      const req = request(`${this.server}/readyz`, { ca, cert, key, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }
}

export function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitUntil(process: ManagedProcess, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  let exited = false;
  void process.exited.then(() => (exited = true));
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exited) throw new InfrastructureError(`${process.name} exited during startup. Last log lines (${process.logFile}):\n${process.logTail()}`);
    if (await ready()) return;
    await sleep(200);
  }
  await process.stop();
  throw new InfrastructureError(`${process.name} was not ready within ${timeoutMs / 1000}s. Last log lines (${process.logFile}):\n${process.logTail()}`);
}

export async function renderKubeconfig(server: string, pki: ClusterPki): Promise<string> {
  const b64 = async (file: string) => (await readFile(file)).toString('base64');
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER_NAME, cluster: { server, 'certificate-authority-data': await b64(pki.caCert) } }],
    users: [{ name: 'podchurn-admin', user: { 'client-certificate-data': await b64(pki.adminCert), 'client-key-data': await b64(pki.adminKey) } }],
    contexts: [{ name: CLUSTER_NAME, context: { cluster: CLUSTER_NAME, user: 'podchurn-admin' } }],
    'current-context': CLUSTER_NAME,
  });
}
