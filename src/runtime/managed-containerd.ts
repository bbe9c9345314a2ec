import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify as toToml } from 'smol-toml';
import { CriClient } from '../cri/client.js';
import { InfrastructureError, describeCause } from '../errors.js';
import { runCommand } from '../util/exec.js';
import { sleep } from '../util/clock.js';
import type { BinarySet } from './binary-set.js';
import { containerdConfig, probeContainerd, type ConfigVersion } from './containerd-config.js';
import { freeLoopbackPort } from '../cluster/free-port.js';
import { killAndRemoveCgroupTree, pidsWithCommandLine, unmountAllUnder } from './mounts.js';
import { networkNamespacesHeldBy, removeNetworkNamespaces } from './network-namespaces.js';
import { cniNetwork, removeCniNetwork, writeCniNetwork, type CniNetwork } from './cni-network.js';
import { writeRuncCreateDelay, type RuncCreateDelay } from './runc-create-delay.js';

export interface ManagedContainerdOptions {
  binaries: BinarySet;
  /** Short unique name; becomes part of the root, state and socket paths. */
  instance: string;
  rootBase: string;
  stateBase: string;
  logFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  restrictOomScoreAdj: boolean;
  sandboxImage: string;
  /** Cgroup parent (relative to each hierarchy) that every pod of this daemon is placed under. */
  cgroupParent: string;
  startTimeoutMs?: number;
  /** A CNI network of podchurn's own for the sandboxes (scenario network.cni: bridge), with the seconds each ADD is held back. */
  cniNetwork?: { addHoldSeconds: number };
  /** The waits of the shim's `runc create` of each workload container (scenario runtime.runcCreate*DelaySeconds; runc-create-delay.ts). */
  runcCreateDelay?: RuncCreateDelay;
}

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What stop() found and removed, for the run's leak report. */
export interface TeardownReport {
  killedShims: number;
  /** Container processes still running after their shims were gone. */
  killedProcesses: number;
  unmountFailures: string[];
  /** Network namespaces of sandboxes the daemon still held (it could not remove them), unmounted and deleted here. */
  removedNetworkNamespaces: string[];
  /** What the daemon's CNI network of podchurn's own left on the host (its bridge, CNI result cache files), removed here. */
  removedNetworkObjects?: string[];
}

/**
 * A containerd owned by podchurn: its own root, state, socket and generated config, so a system
 * containerd is never touched. The log goes to a file in the run directory.
 */
export class ManagedContainerd {
  readonly socket: string;
  readonly root: string;
  readonly state: string;
  readonly configFile: string;
  /** host:port of the daemon's Prometheus endpoint (`/v1/metrics`). */
  readonly metricsAddress: string;
  /** The config version written: the binary's own (2 for 1.x, 3 for 2.0-2.2, 4 for 2.3+). */
  readonly configVersion: ConfigVersion;
  /** Resolves when the daemon process ends, for whatever reason. */
  readonly exited: Promise<DaemonExit>;
  /** The CNI network podchurn wrote for this daemon's sandboxes, if the scenario asked for one. */
  readonly cniNetwork?: CniNetwork;
  private stopping = false;

  private constructor(
    readonly options: ManagedContainerdOptions,
    private readonly child: ChildProcess,
    paths: {
      socket: string;
      root: string;
      state: string;
      configFile: string;
      configVersion: ConfigVersion;
      metricsAddress: string;
      cniNetwork?: CniNetwork;
    },
  ) {
    this.cniNetwork = paths.cniNetwork;
    this.configVersion = paths.configVersion;
    this.metricsAddress = paths.metricsAddress;
    this.socket = paths.socket;
    this.root = paths.root;
    this.state = paths.state;
    this.configFile = paths.configFile;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once stop() has begun: an exit after that is expected, not a failure. */
  get isStopping(): boolean {
    return this.stopping;
  }

  static async start(options: ManagedContainerdOptions): Promise<ManagedContainerd> {
    const root = join(options.rootBase, options.instance);
    const state = join(options.stateBase, options.instance);
    const socket = join(state, 'containerd.sock');
    const configFile = join(state, 'config.toml');
    await mkdir(root, { recursive: true });
    await mkdir(join(state, 'cni'), { recursive: true });
    await mkdir(dirname(options.logFile), { recursive: true });
    // The config's version follows what the binary reports, never what was asked for.
    const containerd = await probeContainerd(options.binaries.containerd);
    // Taken by the kernel a moment before containerd binds it; a clash would fail the start with "address in use".
    const metricsAddress = `127.0.0.1:${await freeLoopbackPort()}`;
    const network = options.cniNetwork && cniNetwork(options.instance, state, options.cniNetwork.addHoldSeconds);
    if (network) await writeCniNetwork(network);
    // The daemon's shims run the wrapper as their runc; the binary set (and what the run records) keeps the real one.
    const delay = options.runcCreateDelay;
    const runc = delay ? await writeRuncCreateDelay(state, options.binaries.runc, delay) : options.binaries.runc;
    const configOptions = { ...options, binaries: { ...options.binaries, runc }, containerd, cniBinDir: network?.binDir };
    await writeFile(configFile, toToml(containerdConfig(configOptions, { root, state, socket, metricsAddress })));

    const log = openSync(options.logFile, 'a');
    const binDirs = [...new Set([dirname(options.binaries.shim), dirname(options.binaries.containerd)])];
    const child = spawn(options.binaries.containerd, ['--config', configFile], {
      stdio: ['ignore', log, log],
      env: { ...process.env, PATH: [...binDirs, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':') },
    });
    closeSync(log);
    const daemon = new ManagedContainerd(options, child, {
      socket,
      root,
      state,
      configFile,
      configVersion: containerd.configVersion,
      metricsAddress,
      cniNetwork: network,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new InfrastructureError(`cannot start ${options.binaries.containerd}: ${error.message}`, { cause: error })));
    });
    await daemon.waitReady(options.startTimeoutMs ?? 30_000);
    return daemon;
  }

  /** `containerd config dump`: the configuration the daemon really uses, with every default filled in. */
  async configDump(): Promise<string> {
    const result = await runCommand(this.options.binaries.containerd, ['--config', this.configFile, 'config', 'dump'], { timeoutMs: 15_000 });
    return result.exitCode === 0 ? result.stdout : `config dump failed (exit ${result.exitCode}): ${result.stderr}`;
  }

  /**
   * Stops the daemon process only, as a node upgrade does (systemd's KillMode=process): its shims, and
   * so the running containers, stay up for the next daemon on the same root, state and socket to adopt.
   */
  async handOver(): Promise<void> {
    // A daemon that died on its own before this call stays reported as such, even if Node has not reaped it yet.
    if (this.hasEnded()) return;
    this.stopping = true;
    this.child.kill('SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!exited) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /**
   * Whether the process has ended, read from /proc as well as from Node: a killed daemon is a zombie until
   * Node handles its SIGCHLD, and a stop requested in that window must not be mistaken for the cause of the exit.
   */
  private hasEnded(): boolean {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      // The state letter follows the command name, which is in parentheses and may itself hold spaces.
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    } catch {
      return true;
    }
  }

  /** Stops the daemon, then its shims, mounts, cgroups and directories: nothing of it stays behind. */
  async stop(): Promise<TeardownReport> {
    // Marked at once, as handOver does: an exit from here on is this stop's, even during the lookup below.
    if (!this.hasEnded()) this.stopping = true;
    // Asked while the daemon still answers: after it is gone, nothing says which namespaces were its own.
    const namespaces = this.stopping ? await this.heldNetworkNamespaces() : [];
    await this.handOver();
    // Shims outlive their daemon by design; ours are found by the socket address they were given.
    const shims = await pidsWithCommandLine(['-address', this.socket]);
    for (const pid of shims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (shims.length) await sleep(200);
    // Containers whose shim was killed (a lost exit, a crashed daemon) are still running: end them.
    const killedProcesses = await killAndRemoveCgroupTree(this.options.cgroupParent);
    const netns = await removeNetworkNamespaces(namespaces);
    const network = this.cniNetwork ? await removeCniNetwork(this.cniNetwork) : { removed: [], failed: [] };
    const unmountFailures = [...netns.failed, ...network.failed, ...(await unmountAllUnder([this.root, this.state]))];
    if (unmountFailures.length === 0) {
      await rm(this.root, { recursive: true, force: true });
      await rm(this.state, { recursive: true, force: true });
    }
    return {
      killedShims: shims.length,
      killedProcesses,
      unmountFailures,
      removedNetworkNamespaces: netns.removed,
      ...(this.cniNetwork ? { removedNetworkObjects: network.removed } : {}),
    };
  }

  /** The network namespaces of the sandboxes the daemon still lists; none when it does not answer (it died, or never came up). */
  private async heldNetworkNamespaces(): Promise<string[]> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return [];
    return networkNamespacesHeldBy(this.socket);
  }

  async logTail(lines = 20): Promise<string> {
    const text = await readFile(this.options.logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const client = new CriClient(this.socket);
    let lastError = 'socket not created';
    try {
      while (Date.now() < deadline) {
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          throw new InfrastructureError(
            `containerd (${this.options.binaries.containerd}) exited during start-up ` +
              `(exit ${this.child.exitCode ?? this.child.signalCode}). Last log lines:\n${await this.logTail()}`,
          );
        }
        if (existsSync(this.socket)) {
          try {
            await client.version({ timeoutMs: 2_000 });
            const conditions = await client.conditions({ timeoutMs: 2_000 });
            const runtimeReady = conditions.find((c) => c.type === 'RuntimeReady');
            if (runtimeReady?.status) return;
            lastError = `RuntimeReady is ${runtimeReady ? `false (${runtimeReady.reason}: ${runtimeReady.message})` : 'not reported'}`;
          } catch (error) {
            lastError = describeCause(error);
          }
        }
        await sleep(100);
      }
    } finally {
      client.close();
    }
    await this.stop();
    throw new InfrastructureError(
      `containerd did not become ready over CRI within ${timeoutMs / 1000} s (${lastError}). Last log lines:\n${await this.logTail()}`,
    );
  }
}
