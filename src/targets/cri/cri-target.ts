import { CriCallError, type CriClient } from '../../cri/client.js';
import type { ContainerConfig, NamespaceOption, PodSandboxConfig } from '../../cri/types.js';
import { POD_LABEL, RUN_LABEL } from '../../engine/churn.js';
import type { EventSink, PodIdentity } from '../../engine/events.js';
import { InfrastructureError, describeCause } from '../../errors.js';
import type { CellSettings } from '../../scenario/schema.js';
import type { ChurnTarget, CleanupReport, PodPlan } from '../../engine/churn-target.js';
import { ExecProber } from './exec-prober.js';
import { SandboxInspector } from './sandbox-inspector.js';
import { judgeRunningAfterStop, PID_SOURCE } from './process-state.js';
import { sleep } from '../../util/clock.js';
import { RuntimeStepSchedule, type RuntimeStepPlan } from '../../engine/runtime-step.js';
import { measureSandboxShim } from '../../runtime/shim-process.js';
import { commandLineOf, pidsInCgroupTree } from '../../runtime/mounts.js';
import type { ContainerExitWatch } from './container-exit-watch.js';
import { networkNamespaceOfInfo } from '../../runtime/network-namespaces.js';
import { ipReservations, removeCniConfig, writeCniNetwork, type CniNetwork } from '../../runtime/cni-network.js';

export interface CriTargetOptions {
  client: CriClient;
  events: EventSink;
  runId: string;
  settings: CellSettings;
  workloadImage: string;
  /** Cgroup parent for every sandbox (cgroupfs path). */
  cgroupParent: string;
  /**
   * How long cleanup waits for a runtime that stopped answering to answer again before it gives up
   * (a runtime someone else supervises may be restarting). 0 for a runtime podchurn started: its
   * death ends the run and its teardown removes what it held.
   */
  runtimeReturnMs?: number;
  /**
   * The socket address of a containerd podchurn started: each pod's shim process is then found by its
   * sandbox id and measured (the shim carries the lost-exit fix). Unset for an endpoint podchurn does
   * not own, whose processes may live in another pid namespace.
   */
  shimAddress?: string;
  /** The runtime's exit events: each container created is tracked so its CONTAINER_STOPPED_EVENT becomes the pod's `exit-event`. */
  exitWatch?: ContainerExitWatch;
  /** The scenario's runtime step (engine/runtime-step.ts has its timing). */
  runtimeStep?: RuntimeStepPlan;
  /** The CNI network podchurn wrote for the runtime (network.cni: bridge): cleanup checks its IP reservations. */
  cniNetwork?: CniNetwork;
}

interface PodState {
  plan: PodPlan;
  sandboxConfig: PodSandboxConfig;
  sandboxId?: string;
  containerId?: string;
  /** The pod's container once CreateContainer returned, kept after its removal: its cgroup is checked once the pod is gone. */
  everContainerId?: string;
  prober?: ExecProber;
}

/**
 * Sandboxes whose one container has its own pid namespace, as in a default Pod. On the host's network
 * (network.namespace node) no CNI call is made; with its own (pod) the runtime's CNI sets it up and tears it down.
 */
function namespaceOptions(network: CellSettings['network']): NamespaceOption {
  return { network: network.namespace === 'pod' ? 'POD' : 'NODE', pid: 'CONTAINER', ipc: 'POD' };
}

/** Deadline for calls whose time is not itself being measured. */
const ADMIN_CALL_MS = 60_000;
/** Deadline for each cleanup call: cleanup forces, it does not wait. */
const CLEANUP_CALL_MS = 10_000;
/** How long podchurn waits for the runtime to notice its CNI config removed or written back. */
const NETWORK_READY_WAIT_MS = 15_000;
/** How long a create whose runtime went away waits for it to answer again before looking for the sandbox it left. */
const RUNTIME_RETURN_MS = 30_000;

/**
 * Pods as CRI sandboxes with one container each, driven the way kubelet drives them: the same
 * calls, the same StopContainer timeout and deadline, exec probes during the stop.
 */
export class CriTarget implements ChurnTarget {
  readonly type = 'cri';
  private readonly pods = new Map<string, PodState>();
  /** Every sandbox id a pod of this target had, kept after the pod is gone: an IP reservation names only its sandbox. */
  private readonly sandboxPods = new Map<string, PodPlan>();
  private readonly step?: RuntimeStepSchedule;

  /** Deadline of RunPodSandbox, CreateContainer and StartContainer (scenario createTimeoutSeconds). */
  private get createCallMs(): number {
    const seconds = this.options.settings.createTimeoutSeconds;
    return seconds === undefined ? ADMIN_CALL_MS : seconds * 1000;
  }

  constructor(private readonly options: CriTargetOptions) {
    if (options.runtimeStep) this.step = new RuntimeStepSchedule(options.runtimeStep);
  }

  async createPod(plan: PodPlan, signal: AbortSignal): Promise<void> {
    const { client, events, settings } = this.options;
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: plan.pod, uid: plan.uid, namespace: 'podchurn', attempt: 0 },
      labels: plan.labels,
      linux: { cgroup_parent: this.options.cgroupParent, security_context: { namespace_options: namespaceOptions(settings.network) } },
    };
    const state: PodState = { plan, sandboxConfig };
    this.pods.set(plan.pod, state);
    // Decided when the pod's creation starts: the step happens between a cycle's creates and deletes, never during them.
    const stepSide = this.step ? { createdRelativeToStep: this.step.hasBegun ? 'after' : 'before' } : {};
    this.step?.beginCreate(plan.cycle, signal);
    try {
      events.pod(plan, 'create-sent');
      state.sandboxId = await client.runPodSandbox(sandboxConfig, { timeoutMs: this.createCallMs, signal });
      this.sandboxPods.set(state.sandboxId, plan);
      events.pod(plan, 'sandbox-ready', { sandboxId: state.sandboxId });
      // Started once the sandbox's task is in its shim, so every call hits the shim the container's create then uses.
      const sandboxId = state.sandboxId;
      const period = settings.sandboxInspectPeriodMs;
      const inspector = period ? new SandboxInspector(client, events, plan, sandboxId, period, signal) : undefined;
      let containerId: string;
      try {
        containerId = await this.createAndStart(plan, state, sandboxId, signal);
      } finally {
        const inspection = await inspector?.stop();
        if (inspection) events.pod(plan, 'inspected', { ...inspection });
      }
      events.pod(plan, 'ready', { ...stepSide, ...(await this.shimOf(sandboxId)) });
      if (settings.execProbe.enabled) this.startProbes(plan, state, containerId);
    } catch (error) {
      this.recordError(plan, 'create', error, signal);
      if (!state.sandboxId && !signal.aborted) {
        // A daemon that went away mid-call (a runtime step among the creates) is asked once it is back.
        if (error instanceof CriCallError && error.unreachable) await this.awaitRuntime(RUNTIME_RETURN_MS);
        await this.findLeftSandbox(state);
      }
    }
  }

  /** CreateContainer and StartContainer of the pod's one container, in the sandbox RunPodSandbox made. */
  private async createAndStart(plan: PodPlan, state: PodState, sandboxId: string, signal: AbortSignal): Promise<string> {
    const { client, events, settings } = this.options;
    const workload = settings.workload;
    const containerConfig: ContainerConfig = {
      metadata: { name: 'workload', attempt: 0 },
      image: { image: workload.image ?? this.options.workloadImage },
      envs: [
        { key: 'PODCHURN_ON_SIGTERM', value: workload.onSigterm },
        { key: 'PODCHURN_DELAY_SECONDS', value: String(workload.delaySeconds ?? 0) },
      ],
      labels: plan.labels,
      linux: { security_context: { namespace_options: namespaceOptions(settings.network) } },
    };
    const containerId = await client.createContainer(sandboxId, containerConfig, state.sandboxConfig, { timeoutMs: this.createCallMs, signal });
    state.containerId = containerId;
    state.everContainerId = containerId;
    this.options.exitWatch?.track(containerId, plan);
    events.pod(plan, 'created', { containerId });
    const startSent = performance.now();
    const started = { at: undefined as number | undefined };
    const early = settings.stopDuringStartAfterSeconds;
    const earlyStop = early === undefined ? undefined : this.stopDuringStart(plan, containerId, early, startSent, started, signal);
    try {
      await client.startContainer(containerId, { timeoutMs: this.createCallMs, signal });
      started.at = performance.now();
    } finally {
      // A failed start still waits for its stop: the pod's delete must not overtake it.
      await earlyStop;
    }
    events.pod(plan, 'running');
    if (await earlyStop) await this.checkRunningAfterStop(plan, containerId, startSent, started.at!, signal);
    return containerId;
  }

  /**
   * StopContainer sent `afterSeconds` into StartContainer, started or not, as kubelet does for a pod deleted while being
   * created (scenario stopDuringStartAfterSeconds). Resolves true when the stop returned OK.
   */
  private async stopDuringStart(
    plan: PodPlan,
    containerId: string,
    afterSeconds: number,
    startSent: number,
    started: { at: number | undefined },
    signal: AbortSignal,
  ): Promise<boolean> {
    const { client, events, settings } = this.options;
    await sleep(afterSeconds * 1000, signal);
    if (signal.aborted) return false;
    const startReturnedFirst = started.at !== undefined;
    const sentMs = Math.round(performance.now() - startSent);
    try {
      await client.stopContainer(containerId, settings.gracePeriodSeconds, {
        timeoutMs: (settings.gracePeriodSeconds + settings.requestTimeoutSeconds) * 1000,
        signal,
      });
      const returnedMs = Math.round(performance.now() - startSent);
      events.pod(plan, 'stop-during-start', { sentMs, returnedMs, startReturnedFirst, startReturnedBeforeStop: started.at !== undefined });
      return true;
    } catch (error) {
      const code = error instanceof CriCallError ? error.codeName : 'UNKNOWN';
      events.pod(plan, 'stop-during-start', { sentMs, startReturnedFirst, code, message: describeCause(error).slice(0, 1000) });
      return false;
    }
  }

  /**
   * After a stop sent during the start returned OK: a container the runtime still says is RUNNING was never signalled
   * (containerd answers a stop of a container that is still starting with OK and does nothing: containerd#6080).
   */
  private async checkRunningAfterStop(plan: PodPlan, containerId: string, startSent: number, startedAt: number, signal: AbortSignal): Promise<void> {
    const { client, events } = this.options;
    const reply = await client.containerStatus(containerId, false, { timeoutMs: ADMIN_CALL_MS, signal });
    const state = reply.status?.state;
    if (state === 'CONTAINER_RUNNING') events.pod(plan, 'running-after-stop', { startReturnedMs: Math.round(startedAt - startSent), state });
  }

  /**
   * A RunPodSandbox that failed may still leave its sandbox behind, NOT_READY (containerd keeps it when the cleanup
   * of the failed start fails too, as for a network it could not set up). kubelet finds it by listing and removes it;
   * so does podchurn: the pod then owns that sandbox, and its delete removes it (or records why it could not).
   */
  private async findLeftSandbox(state: PodState): Promise<void> {
    const { client, events, runId } = this.options;
    const { plan } = state;
    const left = await client
      .listPodSandboxes({ [RUN_LABEL]: runId, [POD_LABEL]: plan.pod }, { timeoutMs: ADMIN_CALL_MS })
      .catch(() => [] as Awaited<ReturnType<CriClient['listPodSandboxes']>>);
    const sandbox = left[0];
    if (!sandbox) return;
    state.sandboxId = sandbox.id;
    this.sandboxPods.set(sandbox.id, plan);
    events.pod(plan, 'sandbox-left', { sandboxId: sandbox.id, state: sandbox.state });
  }

  async deletePod(plan: PodPlan, signal: AbortSignal): Promise<void> {
    const state = this.pods.get(plan.pod);
    if (!state) return;
    const { client, events, settings } = this.options;
    try {
      if (state.containerId) {
        const containerId = state.containerId;
        state.prober?.markStopRequested();
        events.pod(plan, 'delete-sent', { timeoutSeconds: settings.gracePeriodSeconds });
        // kubelet's deadline for StopContainer: the grace period plus its runtime request timeout.
        const deadlineMs = (settings.gracePeriodSeconds + settings.requestTimeoutSeconds) * 1000;
        let stopped = true;
        try {
          await client.stopContainer(containerId, settings.gracePeriodSeconds, { timeoutMs: deadlineMs, signal });
          events.pod(plan, 'stop-returned');
        } catch (error) {
          if (signal.aborted) throw error;
          stopped = false;
          const code = error instanceof CriCallError ? error.codeName : 'UNKNOWN';
          events.pod(plan, 'stop-failed', { code, message: describeCause(error).slice(0, 1000), deadlineMs });
          if (error instanceof CriCallError && error.unreachable) throw error;
        }
        await this.stopProbes(plan, state);
        await this.recordTermination(plan, containerId, signal);
        // Removing a container whose stop never finished makes the runtime wait for the same lost
        // exit again: try briefly, and leave the rest to cleanup, which records it as forced.
        await client.removeContainer(containerId, { timeoutMs: stopped ? ADMIN_CALL_MS : CLEANUP_CALL_MS, signal });
        events.pod(plan, 'removed');
        state.containerId = undefined;
      }
      await this.removeSandbox(state, signal);
    } catch (error) {
      await this.stopProbes(plan, state);
      this.recordError(plan, 'delete', error, signal);
    }
  }

  async afterHold(cycle: number, signal: AbortSignal): Promise<void> {
    await this.step?.afterHold(cycle, signal);
    const network = this.removableNetwork();
    if (network) {
      // The cycle's pods were set up on the network; now they are deleted by a runtime without its config.
      await removeCniConfig(network);
      await this.awaitNetworkReady(false, signal);
    }
  }

  /**
   * The kubelet retries a failed stop at its next sync; after a step that landed among the stops, podchurn
   * does so once for every pod still here, against the new daemon: the write-up's remedy (restart containerd
   * while pods are stuck), measured. A pod whose retry clears it is gone before cleanup (step recovery).
   */
  async afterDeletes(_cycle: number, signal: AbortSignal): Promise<void> {
    const network = this.removableNetwork();
    if (network) {
      // Back for the next cycle's creates (and for cleanup, which then tears down what the runtime can).
      await writeCniNetwork(network);
      await this.awaitNetworkReady(true, signal);
    }
    if (!this.step || !(await this.step.afterDeletes())) return;
    await Promise.all([...this.pods.values()].map((state) => this.retryStop(state, signal)));
  }

  /** The network whose config the scenario removes before each cycle's deletes (network.cniConfigRemovedBeforeDeletes). */
  private removableNetwork(): CniNetwork | undefined {
    return this.options.settings.network.cniConfigRemovedBeforeDeletes ? this.options.cniNetwork : undefined;
  }

  /** Waits until the runtime's NetworkReady condition is `ready`: it reloads its CNI config on its own, a moment after the file changed. */
  private async awaitNetworkReady(ready: boolean, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + NETWORK_READY_WAIT_MS;
    let last = 'not reported';
    while (!signal.aborted) {
      const condition = (await this.options.client.conditions({ timeoutMs: 5_000 }).catch(() => [])).find((c) => c.type === 'NetworkReady');
      if (condition?.status === ready) return;
      if (condition) last = `${condition.status} (${condition.reason}: ${condition.message})`;
      if (Date.now() > deadline) {
        throw new InfrastructureError(
          `the runtime's NetworkReady condition did not turn ${ready} within ${NETWORK_READY_WAIT_MS / 1000} s of its CNI config being ` +
            `${ready ? 'written back' : 'removed'} (last: ${last}): network.cniConfigRemovedBeforeDeletes cannot be honoured`,
        );
      }
      await sleep(100);
    }
  }

  private async retryStop(state: PodState, signal: AbortSignal): Promise<void> {
    const { client, events, settings } = this.options;
    const { plan } = state;
    const started = performance.now();
    try {
      if (state.containerId) {
        const deadlineMs = (settings.gracePeriodSeconds + settings.requestTimeoutSeconds) * 1000;
        await client.stopContainer(state.containerId, settings.gracePeriodSeconds, { timeoutMs: deadlineMs, signal });
        events.pod(plan, 'stop-retried', { ok: true, ms: Math.round(performance.now() - started) });
        await client.removeContainer(state.containerId, { timeoutMs: ADMIN_CALL_MS, signal });
        events.pod(plan, 'removed');
        state.containerId = undefined;
      }
      await this.removeSandbox(state, signal);
    } catch (error) {
      if (signal.aborted) return;
      const code = error instanceof CriCallError ? error.codeName : 'UNKNOWN';
      events.pod(plan, 'stop-retried', { ok: false, code, message: describeCause(error).slice(0, 1000), ms: Math.round(performance.now() - started) });
    }
  }

  /**
   * The pod's last step once its container is gone: its sandbox stopped and removed, and the pod forgotten. A
   * sandbox the runtime refuses to stop or remove is recorded (`sandbox-not-removed`) and left to cleanup, which
   * tries once more and lists it as a leftover if it stays.
   */
  private async removeSandbox(state: PodState, signal: AbortSignal): Promise<void> {
    const { client, events } = this.options;
    if (state.sandboxId) {
      const sandboxId = state.sandboxId;
      let call = 'StopPodSandbox';
      try {
        await client.stopPodSandbox(sandboxId, { timeoutMs: ADMIN_CALL_MS, signal });
        call = 'RemovePodSandbox';
        await client.removePodSandbox(sandboxId, { timeoutMs: ADMIN_CALL_MS, signal });
      } catch (error) {
        if (signal.aborted) throw error;
        const code = error instanceof CriCallError ? error.codeName : 'UNKNOWN';
        events.pod(state.plan, 'sandbox-not-removed', { sandboxId, call, code, message: describeCause(error).slice(0, 1000) });
        // The runtime still holds it: cleanup finds it by its labels, and the pod is done here either way.
        this.pods.delete(state.plan.pod);
        throw error;
      }
      events.pod(state.plan, 'gone');
      state.sandboxId = undefined;
      await this.checkProcessesLeft(state);
    }
    this.pods.delete(state.plan.pod);
  }

  /**
   * Processes still in the cgroup of the pod's container after the pod is gone: nothing of the runtime will end them
   * (a `runc init` a cancelled StartContainer left waiting for its start, containerd#11674). Each such pod gets a
   * `process-left` event; the runtime's teardown kills them (removedAtTeardown).
   */
  private async checkProcessesLeft(state: PodState): Promise<void> {
    if (!state.everContainerId) return;
    const cgroup = `${this.options.cgroupParent}/${state.everContainerId}`;
    const pids = await pidsInCgroupTree(cgroup);
    if (pids.length === 0) return;
    const commands = await Promise.all(pids.map((pid) => commandLineOf(pid)));
    this.options.events.pod(state.plan, 'process-left', { containerId: state.everContainerId, cgroup, pids, commands });
  }

  /** The measured shim of a sandbox, as event data: `{ shim: {pid, exe, version} }`, or why it is unknown. */
  private async shimOf(sandboxId: string): Promise<Record<string, unknown>> {
    if (!this.options.shimAddress) return {};
    const shim = await measureSandboxShim(sandboxId, this.options.shimAddress);
    return shim.pid === null ? { shimUnmeasured: shim.reason } : { shim };
  }

  /**
   * Everything still labelled with this run: stop with timeout 0 (kill now), remove; then list
   * again. Objects that survive are leaks. Pods the engine had not finished count as forced.
   */
  async cleanup(): Promise<CleanupReport> {
    const { client, runId } = this.options;
    const selector = { [RUN_LABEL]: runId };
    await Promise.all([...this.pods.values()].map((state) => state.prober?.stop()));
    await this.awaitRuntime(this.options.runtimeReturnMs ?? 0);
    const forced: CleanupReport['forced'] = [];
    // In parallel and with short deadlines: a container whose exit was lost never stops, and
    // cleanup must not wait a full request timeout for each one in turn.
    const containers = await client.listContainers({ labelSelector: selector }, { timeoutMs: ADMIN_CALL_MS });
    await Promise.all(
      containers.map(async (container) => {
        forced.push({ pod: container.labels[POD_LABEL] ?? 'unknown', object: `container/${container.id.slice(0, 12)}` });
        await client.stopContainer(container.id, 0, { timeoutMs: CLEANUP_CALL_MS }).catch(() => undefined);
        await client.removeContainer(container.id, { timeoutMs: CLEANUP_CALL_MS }).catch(() => undefined);
      }),
    );
    const sandboxes = await client.listPodSandboxes(selector, { timeoutMs: ADMIN_CALL_MS });
    // Why each sandbox that stays could not be removed: the leak check says it with the sandbox.
    const refusals = new Map<string, string>();
    await Promise.all(
      sandboxes.map(async (sandbox) => {
        forced.push({ pod: sandbox.labels[POD_LABEL] ?? 'unknown', object: `sandbox/${sandbox.id.slice(0, 12)}` });
        // The error names its call; RemovePodSandbox's, the last one, is the one that kept the sandbox.
        const refused = (error: unknown) => {
          refusals.set(sandbox.id, describeCause(error).slice(0, 300));
        };
        await client.stopPodSandbox(sandbox.id, { timeoutMs: CLEANUP_CALL_MS }).catch(refused);
        await client.removePodSandbox(sandbox.id, { timeoutMs: CLEANUP_CALL_MS }).catch(refused);
      }),
    );
    this.pods.clear();
    return { forced, leftovers: [...(await this.leftovers(refusals)), ...(await this.leakedIps())] };
  }

  /**
   * IP reservations of podchurn's CNI network held for sandboxes the runtime no longer lists: addresses whose CNI DEL
   * never ran (containerd#12923). Each is a leftover, and an `ip-leaked` event of its pod when the sandbox was one of
   * this target's. A sandbox still listed keeps its address legitimately: it is a leftover of its own.
   */
  private async leakedIps(): Promise<string[]> {
    const network = this.options.cniNetwork;
    if (!network) return [];
    const reservations = await ipReservations(network);
    if (reservations.length === 0) return [];
    const listed = new Set((await this.options.client.listPodSandboxes({}, { timeoutMs: ADMIN_CALL_MS })).map((s) => s.id));
    const lines: string[] = [];
    for (const { ip, containerId } of reservations) {
      if (listed.has(containerId)) continue;
      const pod = this.sandboxPods.get(containerId);
      if (pod) this.options.events.pod(pod, 'ip-leaked', { ip, sandboxId: containerId, network: network.name });
      lines.push(
        `ip/${ip} reserved in ${network.name} for sandbox/${containerId.slice(0, 12)} of ${pod?.pod ?? 'an earlier repetition or no pod of this run'}, ` +
          'which the runtime no longer lists (its CNI DEL never ran)',
      );
    }
    return lines;
  }

  /** Returns once the runtime answers CRI Version, or when `waitMs` has passed (the listing then reports the failure). */
  private async awaitRuntime(waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      try {
        await this.options.client.version({ timeoutMs: 2_000 });
        return;
      } catch {
        await sleep(250);
      }
    }
  }

  /**
   * What the runtime still lists of this run. A sandbox comes with the error its last removal got (`refusals`, by
   * sandbox id) and its own network namespace, which stays mounted on the host for as long as the sandbox exists.
   */
  async leftovers(refusals: ReadonlyMap<string, string> = new Map()): Promise<string[]> {
    const { client, runId } = this.options;
    const selector = { [RUN_LABEL]: runId };
    const [containers, sandboxes] = await Promise.all([
      client.listContainers({ labelSelector: selector }, { timeoutMs: ADMIN_CALL_MS }),
      client.listPodSandboxes(selector, { timeoutMs: ADMIN_CALL_MS }),
    ]);
    const sandboxLines = await Promise.all(
      sandboxes.map(async (s) => {
        const netns = await client
          .podSandboxInfo(s.id, { timeoutMs: CLEANUP_CALL_MS })
          .then(networkNamespaceOfInfo)
          .catch(() => undefined);
        const refusal = refusals.get(s.id);
        return (
          `sandbox/${s.id.slice(0, 12)} of ${s.labels[POD_LABEL] ?? 'unknown'} (${s.state})` +
          (netns ? ` holding network namespace ${netns}` : '') +
          (refusal ? `: ${refusal}` : '')
        );
      }),
    );
    return [...containers.map((c) => `container/${c.id.slice(0, 12)} of ${c.labels[POD_LABEL] ?? 'unknown'} (${c.state})`), ...sandboxLines];
  }

  private startProbes(plan: PodIdentity, state: PodState, containerId: string): void {
    const { client, events, settings } = this.options;
    state.prober = new ExecProber(client, containerId, settings.execProbe, settings.requestTimeoutSeconds, (failure) =>
      events.pod(plan, 'probe-error', { ...failure }),
    );
  }

  private async stopProbes(plan: PodIdentity, state: PodState): Promise<void> {
    if (!state.prober) return;
    const prober = state.prober;
    state.prober = undefined;
    await prober.stop();
    this.options.events.pod(plan, 'probe-summary', { counts: prober.counts });
  }

  /**
   * Reads the runtime's view of the stopped container. If CRI still says RUNNING while the task's
   * process no longer exists, the runtime lost the exit: that is the state-mismatch the lost-exit
   * bug leaves behind. The event records the pid, where it came from and what /proc showed. A pid
   * that cannot be read proves nothing either way: that is `state-unverified`, never a mismatch.
   */
  private async recordTermination(plan: PodIdentity, containerId: string, signal: AbortSignal): Promise<void> {
    const { client, events } = this.options;
    const status = (await client.containerStatus(containerId, false, { timeoutMs: ADMIN_CALL_MS, signal })).status;
    if (!status) return;
    if (status.state === 'CONTAINER_RUNNING') {
      const observed = { containerId, criState: status.state };
      // Only a container still RUNNING needs the verbose status (its task pid): containerd serialises
      // the whole runtime spec into it, which costs every normal stop time for nothing.
      let info: Record<string, string>;
      try {
        info = (await client.containerStatus(containerId, true, { timeoutMs: ADMIN_CALL_MS, signal })).info;
      } catch (error) {
        if (signal.aborted) throw error;
        const code = error instanceof CriCallError ? error.codeName : 'UNKNOWN';
        events.pod(plan, 'state-unverified', { ...observed, pidSource: PID_SOURCE, reason: `verbose ContainerStatus failed: ${code}` });
        return;
      }
      const verdict = await judgeRunningAfterStop(info, status.started_at);
      if (verdict) events.pod(plan, verdict.kind, { ...observed, ...verdict.data });
      return;
    }
    events.pod(plan, 'terminated', {
      criState: status.state,
      exitCode: status.exit_code,
      reason: status.reason,
      finishedAtNs: status.finished_at,
      startedAtNs: status.started_at,
    });
  }

  private recordError(plan: PodIdentity, phase: 'create' | 'delete', error: unknown, signal: AbortSignal): void {
    if (signal.aborted) return;
    const unreachable = error instanceof CriCallError && error.unreachable;
    this.options.events.pod(plan, 'error', {
      phase,
      code: error instanceof CriCallError ? error.codeName : 'UNKNOWN',
      message: describeCause(error).slice(0, 1000),
      infrastructure: unreachable,
    });
  }
}
