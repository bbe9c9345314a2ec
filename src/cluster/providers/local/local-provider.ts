import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError, InputError } from '../../../errors.js';
import { measureVersions } from '../../../runtime/binary-set.js';
import { runCommand, type CommandResult } from '../../../util/exec.js';
import { getText } from '../../../util/http-text.js';
import { isAlive } from '../../detached-process.js';
import type {
  ClusterHandle,
  ClusterOperationOptions,
  ClusterProvider,
  ClusterSpec,
  ClusterStatus,
  ClusterTeardown,
  NodeRuntimeVersions,
  NodeUnit,
} from '../../provider.js';
import { localClusterLayout, type LocalClusterLayout } from './layout.js';
import { loadKubeConfig, listNodes, nodeInfoVersions } from '../../node-versions.js';
import { readState, replaceContainerd, startLocalCluster, stopLocalCluster, type LocalClusterState } from './local-cluster.js';
import type { RuntimeStepResult } from '../../../runtime/runtime-step-result.js';
import { measureSandboxShim, type ShimMeasurement } from '../../../runtime/shim-process.js';
import { CriClient } from '../../../cri/client.js';

/** The local cluster's one node is this host: exec runs here, logs are the component log files. */
class LocalClusterHandle implements ClusterHandle {
  readonly provider = 'local' as const;

  constructor(
    private readonly layout: LocalClusterLayout,
    readonly state: LocalClusterState,
  ) {}

  get name(): string {
    return this.state.name;
  }

  get kubeconfig(): string {
    return this.layout.kubeconfig;
  }

  async nodes(): Promise<string[]> {
    return [this.state.nodeName];
  }

  private checkNode(node: string): void {
    if (node !== this.state.nodeName) throw new InputError(`local cluster ${this.name} has one node, ${this.state.nodeName}; there is no node "${node}".`);
  }

  async exec(node: string, argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    this.checkNode(node);
    const [file, ...args] = argv;
    if (!file) throw new InputError('exec needs a program to run.');
    return runCommand(file, args, { timeoutMs: options.timeoutMs ?? 30_000 });
  }

  async logs(node: string, unit: NodeUnit): Promise<string> {
    this.checkNode(node);
    return readFile(join(this.layout.logDir, `${unit}.log`), 'utf8').catch(() => '');
  }

  async runtimeVersions(): Promise<NodeRuntimeVersions[]> {
    // The one node is this host: its binaries are the ones podchurn started.
    const [reported, measured] = await Promise.all([listNodes(loadKubeConfig(this.kubeconfig)), measureVersions(this.state.binaries.runtime)]);
    return nodeInfoVersions(reported).map((node) => ({ ...node, containerd: measured.containerd, shim: measured.shim, runc: measured.runc }));
  }

  async effectiveContainerdConfig(node: string): Promise<string> {
    this.checkNode(node);
    const result = await runCommand(this.state.binaries.runtime.containerd, ['--config', this.layout.containerdConfig, 'config', 'dump'], {
      timeoutMs: 15_000,
    });
    if (result.exitCode !== 0) throw new InfrastructureError(`containerd config dump failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    return result.stdout;
  }

  async runtimeMetrics(node: string): Promise<string> {
    this.checkNode(node);
    if (!this.state.containerdMetrics)
      throw new InfrastructureError(`local cluster ${this.name} was brought up before its containerd served metrics; bring it up again.`);
    return getText(`http://${this.state.containerdMetrics}/v1/metrics`, AbortSignal.timeout(10_000));
  }

  async runtimeState(node: string, containerId: string): Promise<string> {
    this.checkNode(node);
    const ctr = (args: string[]) =>
      runCommand(this.state.binaries.runtime.ctr, ['--address', this.layout.containerdSocket, '--namespace', 'k8s.io', ...args], { timeoutMs: 15_000 });
    const [tasks, info] = await Promise.all([ctr(['tasks', 'ls']), ctr(['containers', 'info', containerId])]);
    const task = tasks.stdout.split('\n').filter((line, index) => index === 0 || line.startsWith(containerId));
    return [`$ ctr tasks ls (${containerId})`, ...task, '', `$ ctr containers info ${containerId}`, info.exitCode === 0 ? info.stdout : info.stderr].join('\n');
  }

  async replaceRuntime(node: string, pins: { containerd: string; runc: string }, options?: ClusterOperationOptions): Promise<RuntimeStepResult> {
    this.checkNode(node);
    return replaceContainerd(this.layout, this.state, pins, options);
  }

  async podShim(node: string, podUid: string): Promise<ShimMeasurement> {
    this.checkNode(node);
    const client = new CriClient(this.layout.containerdSocket);
    try {
      const sandboxes = await client.listPodSandboxes({ 'io.kubernetes.pod.uid': podUid }, { timeoutMs: 10_000 });
      const sandbox = sandboxes.find((s) => s.state === 'SANDBOX_READY') ?? sandboxes[0];
      if (!sandbox) return { pid: null, reason: `no pod sandbox of pod uid ${podUid} on ${node}` };
      return await measureSandboxShim(sandbox.id, this.layout.containerdSocket);
    } finally {
      client.close();
    }
  }

  async exportLogs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const file of await readdir(this.layout.logDir).catch(() => [] as string[])) {
      await copyFile(join(this.layout.logDir, file), join(dir, file));
    }
  }
}

function running(state: LocalClusterState | undefined): state is LocalClusterState {
  return state !== undefined && state.processes.length > 0 && state.processes.every(isAlive);
}

/**
 * A real single-node Kubernetes run from processes on this host, on pinned containerd/runc: no
 * Docker, and swapping a runtime is a restart, not an image rebuild.
 */
export class LocalProvider implements ClusterProvider {
  readonly name = 'local' as const;

  async up(spec: ClusterSpec, options: ClusterOperationOptions = {}): Promise<LocalClusterHandle> {
    const layout = localClusterLayout(spec.name);
    const existing = await readState(layout);
    if (running(existing)) {
      options.onNotice?.(`local cluster ${spec.name} is already running; using it`);
      return new LocalClusterHandle(layout, existing);
    }
    // A cluster that is half there (a component died, podchurn was killed) is removed first.
    if (existing) await stopLocalCluster(layout, existing);
    options.onNotice?.(`starting local cluster ${spec.name} (Kubernetes ${spec.kubernetes}, containerd ${spec.containerd}, runc ${spec.runc})`);
    try {
      const state = await startLocalCluster(spec, layout, options);
      options.onNotice?.(`local cluster ${spec.name} ready in ${state.timings.total} s`);
      return new LocalClusterHandle(layout, state);
    } catch (error) {
      await stopLocalCluster(layout, await readState(layout));
      throw error;
    }
  }

  async attach(name: string): Promise<LocalClusterHandle | undefined> {
    const layout = localClusterLayout(name);
    const state = await readState(layout);
    return running(state) ? new LocalClusterHandle(layout, state) : undefined;
  }

  async down(name: string): Promise<ClusterTeardown> {
    const layout = localClusterLayout(name);
    return stopLocalCluster(layout, await readState(layout));
  }

  async status(name: string): Promise<ClusterStatus> {
    const layout = localClusterLayout(name);
    const state = await readState(layout);
    return {
      name,
      provider: 'local',
      running: running(state),
      ...(state ? { kubeconfig: layout.kubeconfig } : {}),
      components: (state?.processes ?? []).map((p) => ({ name: p.name, state: isAlive(p) ? `running (pid ${p.pid})` : 'not running' })),
    };
  }
}
