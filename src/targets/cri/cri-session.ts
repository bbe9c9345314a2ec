import type { RuntimeStepResult } from '../../runtime/runtime-step-result.js';
import { join } from 'node:path';
import { CriClient } from '../../cri/client.js';
import { InfrastructureError, describeCause } from '../../errors.js';
import { PAUSE_IMAGE, WORKLOAD_IMAGE, buildPauseImage, buildWorkloadImage, importImages } from '../../images/builtin-images.js';
import { measureVersions } from '../../runtime/binary-set.js';
import type { RuntimeRecord } from '../../results/environment.js';
import { canLowerOomScoreAdj } from '../../runtime/host.js';
import { ManagedContainerd, type TeardownReport } from '../../runtime/managed-containerd.js';
import { pidsWithCommandLine, removeEmptyCgroupTree } from '../../runtime/mounts.js';
import { RuntimeStore } from '../../runtime/store.js';
import type { CellSettings } from '../../scenario/schema.js';
import { runtimeRootBase, runtimeStateBase } from '../../util/dirs.js';
import { whichProgram } from '../../util/exec.js';
import { sleep } from '../../util/clock.js';
import type { CniNetwork } from '../../runtime/cni-network.js';
import type { RuncCreateDelay } from '../../runtime/runc-create-delay.js';

/** A CRI endpoint ready for churn: either a containerd podchurn started, or one the user pointed at. */
export interface CriSession {
  key: string;
  client: CriClient;
  record: RuntimeRecord;
  cgroupParent: string;
  workloadImage: string;
  /** Resolves with a reason if the runtime goes away on its own; never resolves otherwise. */
  died: Promise<string>;
  /**
   * A managed runtime only: replaces the daemon in place with another pin (or the same one: a
   * restart), leaving running shims alone. Resolves once the new daemon answers on the same socket.
   */
  step?(to: { containerd: string; runc: string }): Promise<RuntimeStepResult>;
  /** The CNI network podchurn wrote for a managed daemon's sandboxes (network.cni: bridge); the same across runtime steps. */
  cniNetwork?: CniNetwork;
  /** host:port of the running daemon's metrics endpoint: a containerd podchurn started only. */
  metricsAddress(): string | undefined;
  close(): Promise<TeardownReport | undefined>;
}

/** The runc create waits the scenario asks for, or undefined when there are none (no wrapper then). */
function runcCreateDelay(settings: CellSettings): RuncCreateDelay | undefined {
  const beforeSeconds = settings.runtime.runcCreateDelaySeconds ?? 0;
  const returnSeconds = settings.runtime.runcCreateReturnDelaySeconds ?? 0;
  return beforeSeconds > 0 || returnSeconds > 0 ? { beforeSeconds, returnSeconds } : undefined;
}

/** Cells that share this key share one runtime instance. */
export function runtimeKey(settings: CellSettings): string {
  const { target, runtime } = settings;
  // The CNI network is part of the daemon's configuration; the namespace mode is per sandbox and shares a daemon.
  const network = settings.network.cni === 'none' ? [] : [settings.network.cni, settings.network.cniAddHoldSeconds];
  const delay = runcCreateDelay(settings);
  const createDelay = delay ? [delay.beforeSeconds, delay.returnSeconds] : [];
  return JSON.stringify([target.endpoint ?? null, runtime.containerd, runtime.runc, runtime.logLevel, runtime.restrictOomScoreAdj, ...network, ...createDelay]);
}

export async function openCriSession(
  settings: CellSettings,
  runId: string,
  instanceNumber: number,
  runDir: string,
  onNotice: (line: string) => void = () => undefined,
): Promise<CriSession> {
  const instance = `${runId}-${instanceNumber}`;
  const cgroupParent = `/podchurn/${instance}`;
  const [workload, pause] = await Promise.all([buildWorkloadImage(), buildPauseImage()]);
  if (settings.target.endpoint) return openExistingEndpoint(settings, instance, cgroupParent, [workload, pause]);

  // A pin that is not in the store yet is fetched or built now (minutes, once; cached after).
  const binaries = await new RuntimeStore().resolveBinarySet(settings.runtime.containerd, settings.runtime.runc, { autoInstall: true, onProgress: onNotice });
  const notes: string[] = [];
  const hostAllowsNegativeOom = await canLowerOomScoreAdj();
  const mode = settings.runtime.restrictOomScoreAdj;
  const restrict = mode === 'true' || (mode === 'auto' && !hostAllowsNegativeOom);
  if (mode === 'auto' && restrict) {
    notes.push(
      'restrict_oom_score_adj = true was set automatically: this host cannot lower oom_score_adj (no CAP_SYS_RESOURCE), and every sandbox would fail ' +
        'without it.',
    );
  }
  const logFile = join(runDir, 'logs', `containerd-${instanceNumber}.log`);
  const daemonOptions = {
    binaries,
    instance,
    rootBase: runtimeRootBase(),
    stateBase: runtimeStateBase(),
    logFile,
    logLevel: settings.runtime.logLevel,
    restrictOomScoreAdj: restrict,
    sandboxImage: PAUSE_IMAGE,
    cgroupParent,
    ...(settings.network.cni === 'bridge' ? { cniNetwork: { addHoldSeconds: settings.network.cniAddHoldSeconds } } : {}),
    runcCreateDelay: runcCreateDelay(settings),
  };
  // A runtime step swaps the daemon; whichever one runs now is the one teardown stops.
  let daemon = await ManagedContainerd.start(daemonOptions);
  const client = new CriClient(daemon.socket);
  try {
    await importImages(binaries.ctr, daemon.socket, [workload, pause]);
    const [measured, version] = await Promise.all([measureVersions(binaries), client.version()]);
    let reportDeath: (reason: string) => void = () => undefined;
    const died = new Promise<string>((resolve) => {
      reportDeath = resolve;
    });
    // The report of an unexpected exit is awaited at close, so a death found only then still reaches the run.
    let deathReport: Promise<void> = Promise.resolve();
    const watch = (watched: ManagedContainerd) => {
      deathReport = watched.exited.then(async (exit) => {
        // A daemon handed over in a step, or stopped at teardown, ended on purpose.
        if (watched.isStopping) return;
        reportDeath(
          `containerd (pid ${watched.pid}) exited unexpectedly (${exit.signal ?? `exit ${exit.code}`}). Last log lines:\n${await watched.logTail(10)}`,
        );
      });
    };
    watch(daemon);
    let current = { binaries, measured };
    if (daemonOptions.runcCreateDelay) {
      const { beforeSeconds, returnSeconds } = daemonOptions.runcCreateDelay;
      notes.push(
        `runc create of each workload container waits ${beforeSeconds} s before it runs and ${returnSeconds} s before its result is returned ` +
          `(runtime.runcCreateDelaySeconds, runcCreateReturnDelaySeconds): the shims run a wrapper in front of ${binaries.runc}.`,
      );
    }
    if (daemon.cniNetwork) {
      const { name, bridge, subnet, addHoldSeconds } = daemon.cniNetwork;
      notes.push(`CNI network ${name} of podchurn's own: bridge ${bridge}, ${subnet}, host-local IPAM, each ADD held ${addHoldSeconds} s.`);
    }
    return {
      key: runtimeKey(settings),
      client,
      cgroupParent,
      workloadImage: WORKLOAD_IMAGE,
      died,
      cniNetwork: daemon.cniNetwork,
      record: {
        instance,
        managed: true,
        endpoint: daemon.socket,
        requested: { containerd: binaries.containerdKey, runc: binaries.runcKey },
        binaries,
        measured,
        cri: { runtimeName: version.runtime_name, runtimeVersion: version.runtime_version, apiVersion: version.runtime_api_version },
        settingsApplied: {
          // Versions 3 and 4 (containerd 2.x) name the sandbox image pinned_images.sandbox; version 2 sandbox_image.
          config_version: daemon.configVersion,
          restrict_oom_score_adj: restrict,
          [daemon.configVersion >= 3 ? 'pinned_images.sandbox' : 'sandbox_image']: PAUSE_IMAGE,
          log_level: settings.runtime.logLevel,
          runc_binary: binaries.runc,
        },
        notes,
        logFile,
        configFile: daemon.configFile,
        cells: [],
      },
      async step(to) {
        const next = await new RuntimeStore().resolveBinarySet(to.containerd, to.runc, { autoInstall: true, onProgress: onNotice });
        const nextMeasured = await measureVersions(next);
        const started = performance.now();
        const fromPid = daemon.pid;
        await daemon.handOver();
        daemon = await ManagedContainerd.start({ ...daemonOptions, binaries: next });
        watch(daemon);
        // The shared client reconnects to the same socket; wait until it has, so no pod call meets a stale channel.
        const nextVersion = await awaitAnswer(client);
        const result: RuntimeStepResult = {
          from: { containerdKey: current.binaries.containerdKey, runcKey: current.binaries.runcKey, measured: current.measured, daemonPid: fromPid },
          to: {
            containerdKey: next.containerdKey,
            runcKey: next.runcKey,
            measured: nextMeasured,
            daemonPid: daemon.pid,
            criRuntimeVersion: nextVersion.runtime_version,
            configVersion: daemon.configVersion,
          },
          downtimeMs: Math.round(performance.now() - started),
          shimPidsAfter: await pidsWithCommandLine(['-address', daemon.socket]),
        };
        current = { binaries: next, measured: nextMeasured };
        return result;
      },
      // The daemon running now: a step starts the next one on a port of its own.
      metricsAddress: () => daemon.metricsAddress,
      async close() {
        client.close();
        const teardown = await daemon.stop();
        await deathReport;
        return teardown;
      },
    };
  } catch (error) {
    client.close();
    await daemon.stop();
    throw error instanceof InfrastructureError
      ? error
      : new InfrastructureError(`preparing the managed containerd failed: ${describeCause(error)}`, { cause: error });
  }
}

/** CRI Version through `client`, retried until it answers: a restarted daemon's socket takes a moment to be served again. */
async function awaitAnswer(client: CriClient, waitMs = 30_000): Promise<Awaited<ReturnType<CriClient['version']>>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await client.version({ timeoutMs: 2_000 });
    } catch (error) {
      if (Date.now() > deadline)
        throw new InfrastructureError(`containerd did not answer over CRI within ${waitMs / 1000} s of a runtime step: ${describeCause(error)}`, {
          cause: error,
        });
      await sleep(100);
    }
  }
}

async function openExistingEndpoint(
  settings: CellSettings,
  instance: string,
  cgroupParent: string,
  images: Awaited<ReturnType<typeof buildWorkloadImage>>[],
): Promise<CriSession> {
  const endpoint = settings.target.endpoint!;
  const client = new CriClient(endpoint);
  let version: Awaited<ReturnType<CriClient['version']>>;
  try {
    version = await client.version({ timeoutMs: 10_000 });
  } catch (error) {
    client.close();
    throw new InfrastructureError(
      `the CRI endpoint ${endpoint} does not answer (${describeCause(error)}). Is the runtime running, and is target.endpoint its socket?`,
      { cause: error },
    );
  }
  const notes = ['The runtime was not started by podchurn: its binaries and configuration are whatever the endpoint runs.'];
  const ctr = await whichProgram('ctr');
  if (ctr) await importImages(ctr, endpoint.replace(/^unix:\/\//, ''), images);
  else notes.push('ctr was not found: the workload and pause images were not imported; they must already be present.');
  return {
    key: runtimeKey(settings),
    client,
    cgroupParent,
    workloadImage: WORKLOAD_IMAGE,
    died: new Promise(() => undefined),
    record: {
      instance,
      managed: false,
      endpoint,
      requested: { containerd: settings.runtime.containerd, runc: settings.runtime.runc },
      cri: { runtimeName: version.runtime_name, runtimeVersion: version.runtime_version, apiVersion: version.runtime_api_version },
      settingsApplied: {},
      notes,
      cells: [],
    },
    // An endpoint podchurn did not configure: where (and whether) it serves metrics is unknown.
    metricsAddress: () => undefined,
    async close() {
      client.close();
      // The runtime is not ours to stop, but the cgroups our pods were placed in are, once empty.
      await removeEmptyCgroupTree(cgroupParent);
      return undefined;
    },
  };
}
