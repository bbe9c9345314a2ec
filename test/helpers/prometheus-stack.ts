import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { ensureSetUp } from './provision.js';

/**
 * prometheus, promtool and prometheus-pushgateway come with the test set-up's Debian packages
 * (scripts/setup.sh --test, which npm test runs first); a file run alone on a new machine installs them.
 */
export async function ensurePrometheusBinaries(): Promise<void> {
  if (!['prometheus', 'promtool', 'prometheus-pushgateway'].every(onPath)) await ensureSetUp({ test: true });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** One series as Prometheus's HTTP API returns it. */
export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Pushgateway and Prometheus (the Debian binaries scripts/setup.sh --test installs), on free
 * loopback ports with all their storage (TSDB, the gateway's persistence file) in a temporary directory
 * that stop() removes. Prometheus scrapes the gateway every second
 * with honor_labels (so the pushed job and grouping labels stay as pushed) and, as job "file", a small
 * HTTP server that serves whatever text `serveOpenMetrics` was given as application/openmetrics-text,
 * which makes Prometheus parse it with its OpenMetrics parser.
 */
export class PrometheusStack {
  private constructor(
    readonly pushgatewayUrl: string,
    readonly prometheusUrl: string,
    private readonly processes: ChildProcess[],
    private readonly fileServer: Server,
    /** Holds the Prometheus config and TSDB and the gateway's persistence file; removed by stop(). */
    readonly dir: string,
    private served: string,
  ) {}

  static async start(): Promise<PrometheusStack> {
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-prometheus-'));
    const [gatewayPort, prometheusPort] = [await freePort(), await freePort()];
    const processes: ChildProcess[] = [];
    let stack: PrometheusStack | undefined;
    const fileServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      response.end(stack?.served ?? '# EOF\n');
    });
    await new Promise<void>((resolve) => fileServer.listen(0, '127.0.0.1', resolve));
    const filePort = (fileServer.address() as { port: number }).port;
    try {
      // Debian's build persists to /var/lib/prometheus/pushgateway.data by default: keep it in the temporary directory.
      const gatewayArgs = [`--web.listen-address=127.0.0.1:${gatewayPort}`, `--persistence.file=${join(dir, 'pushgateway.data')}`];
      processes.push(spawn('prometheus-pushgateway', gatewayArgs, { stdio: ['ignore', 'ignore', 'pipe'] }));
      const config = join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        stringify({
          global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
          scrape_configs: [
            { job_name: 'pushgateway', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${gatewayPort}`] }] },
            { job_name: 'file', static_configs: [{ targets: [`127.0.0.1:${filePort}`] }] },
          ],
        }),
      );
      processes.push(
        spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`], {
          stdio: ['ignore', 'ignore', 'pipe'],
        }),
      );
      stack = new PrometheusStack(`http://127.0.0.1:${gatewayPort}`, `http://127.0.0.1:${prometheusPort}`, processes, fileServer, dir, '# EOF\n');
      await Promise.all([waitReady(`${stack.pushgatewayUrl}/-/ready`, processes[0]!), waitReady(`${stack.prometheusUrl}/-/ready`, processes[1]!)]);
      return stack;
    } catch (error) {
      await stopAll(processes, fileServer, dir);
      throw error;
    }
  }

  serveOpenMetrics(text: string): void {
    this.served = text;
  }

  /** An instant query, retried until it returns at least `atLeast` series (scrapes come every second) or 20 s pass. */
  async query(promql: string, atLeast = 1): Promise<PromSeries[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`${this.prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; data?: { result: PromSeries[] }; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus refused ${promql}: ${body.error}`);
      const result = body.data!.result;
      if (result.length >= atLeast || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Stops both (idempotent) and removes their directory. */
  async stop(): Promise<void> {
    await stopAll(this.processes, this.fileServer, this.dir);
  }

  /** Whether every process of the stack has exited. */
  get stopped(): boolean {
    return this.processes.every((child) => child.exitCode !== null || child.signalCode !== null);
  }
}

async function stopAll(processes: readonly ChildProcess[], fileServer: Server, dir: string): Promise<void> {
  await Promise.all(
    processes.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          // Prometheus flushes its head block on SIGTERM; a process that hangs anyway is killed.
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  if (fileServer.listening) await new Promise<void>((resolve) => fileServer.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready within 30 s: ${stderr}`);
}

/** A loopback port nothing listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
