import { join } from 'node:path';
import { CriClient } from '../../cri/client.js';
import { InfrastructureError, describeCause } from '../../errors.js';
import { PAUSE_IMAGE, WORKLOAD_IMAGE, buildPauseImage, buildWorkloadImage, importImages } from '../../images/builtin-images.js';
import { measureVersions } from '../../runtime/binary-set.js';
import type { RuntimeRecord } from '../../results/environment.js';
import { canLowerOomScoreAdj } from '../../runtime/host.js';
import { ManagedContainerd, type TeardownReport } from '../../runtime/managed-containerd.js';
import { removeEmptyCgroupTree } from '../../runtime/mounts.js';
import { RuntimeStore } from '../../runtime/store.js';
import type { CellSettings } from '../../scenario/schema.js';
import { runtimeRootBase, runtimeStateBase } from '../../util/dirs.js';
import { whichProgram } from '../../util/exec.js';

/** A CRI endpoint ready for churn: either a containerd podchurn started, or one the user pointed at. */
export interface CriSession {
  key: string;
  client: CriClient;
  record: RuntimeRecord;
  cgroupParent: string;
  workloadImage: string;
  /** Resolves with a reason if the runtime goes away on its own; never resolves otherwise. */
  died: Promise<string>;
  close(): Promise<TeardownReport | undefined>;
}

/** Cells that share this key share one runtime instance. */
export function runtimeKey(settings: CellSettings): string {
  const { target, runtime } = settings;
  return JSON.stringify([target.endpoint ?? null, runtime.containerd, runtime.runc, runtime.logLevel, runtime.restrictOomScoreAdj]);
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
    notes.push('restrict_oom_score_adj = true was set automatically: this host cannot lower oom_score_adj (no CAP_SYS_RESOURCE), and every sandbox would fail without it.');
  }
  const logFile = join(runDir, 'logs', `containerd-${instanceNumber}.log`);
  const daemon = await ManagedContainerd.start({
    binaries,
    instance,
    rootBase: runtimeRootBase(),
    stateBase: runtimeStateBase(),
    logFile,
    logLevel: settings.runtime.logLevel,
    restrictOomScoreAdj: restrict,
    sandboxImage: PAUSE_IMAGE,
    cgroupParent,
  });
  const client = new CriClient(daemon.socket);
  try {
    await importImages(binaries.ctr, daemon.socket, [workload, pause]);
    const [measured, version] = await Promise.all([measureVersions(binaries), client.version()]);
    const died = daemon.exited.then(async (exit) => {
      if (daemon.isStopping) return new Promise<string>(() => undefined);
      return `containerd (pid ${daemon.pid}) exited unexpectedly (${exit.signal ?? `exit ${exit.code}`}). Last log lines:\n${await daemon.logTail(10)}`;
    });
    return {
      key: runtimeKey(settings),
      client,
      cgroupParent,
      workloadImage: WORKLOAD_IMAGE,
      died,
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
      async close() {
        client.close();
        return daemon.stop();
      },
    };
  } catch (error) {
    client.close();
    await daemon.stop();
    throw error instanceof InfrastructureError ? error : new InfrastructureError(`preparing the managed containerd failed: ${describeCause(error)}`, { cause: error });
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
    throw new InfrastructureError(`the CRI endpoint ${endpoint} does not answer (${describeCause(error)}). Is the runtime running, and is target.endpoint its socket?`, { cause: error });
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
    async close() {
      client.close();
      // The runtime is not ours to stop, but the cgroups our pods were placed in are, once empty.
      await removeEmptyCgroupTree(cgroupParent);
      return undefined;
    },
  };
}
