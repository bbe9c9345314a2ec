import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { stringify as toToml } from 'smol-toml';
import { CriClient } from '../../../cri/client.js';
import { InfrastructureError, InputError, describeCause } from '../../../errors.js';
import { PAUSE_IMAGE, buildPauseImage, buildWorkloadImage, importImages } from '../../../images/builtin-images.js';
import { measureVersions, type BinarySet } from '../../../runtime/binary-set.js';
import type { RuntimeStepResult } from '../../../runtime/runtime-step-result.js';
import { canLowerOomScoreAdj } from '../../../runtime/host.js';
import { containerdConfig, probeContainerd } from '../../../runtime/containerd-config.js';
import { killAndRemoveCgroupTree, mountsUnder, pidsInCgroupTree, pidsWithCommandLine, unmountAllUnder } from '../../../runtime/mounts.js';
import { RuntimeStore, parseKey } from '../../../runtime/store.js';
import { sleep } from '../../../util/clock.js';
import { runCommand, whichProgram } from '../../../util/exec.js';
import { shareAgents } from '../../kube-connection.js';
import { httpOk, renderKubeconfig } from '../../apiserver-harness.js';
import { loadKubeConfig } from '../../node-versions.js';
import { apiserverArgs, controllerManagerArgs, etcdArgs, kubeletArgs, schedulerArgs } from '../../control-plane-args.js';
import { isAlive, logTail, startDetached, stopDetached, type DetachedProcessRecord } from '../../detached-process.js';
import { freeLoopbackPort } from '../../free-port.js';
import { createClusterPki, issueKubeletServingCert, type ClusterPki } from '../../pki.js';
import type { ClusterOperationOptions, ClusterSpec, ClusterTeardown } from '../../provider.js';
import type { LocalClusterLayout } from './layout.js';
import { applyConfigPatches, cniConflist, kubeletConfig } from './node-config.js';
import { ensureNodeAddress, removeNodeAddress } from './node-address.js';

/** What state.json holds: enough for a later podchurn command to find, use and stop the cluster. */
export interface LocalClusterState {
  schemaVersion: 1;
  name: string;
  spec: ClusterSpec;
  nodeName: string;
  server: string;
  /** host:port of the node containerd's Prometheus endpoint (absent in states written before it was enabled). */
  containerdMetrics?: string;
  etcdUrl: string;
  binaries: { kubernetes: Record<string, string>; runtime: BinarySet; etcd: string };
  /** In start order; stopped in reverse. */
  processes: DetachedProcessRecord[];
  /** Seconds each start phase took, for the record (docs/CLUSTERS.md reports them). */
  timings: Record<string, number>;
  notes: string[];
  startedAt: string;
}

const COMPONENT_READY_MS = 120_000;

/** Seconds since `start`, to one decimal. */
function since(start: number): number {
  return Math.round((performance.now() - start) / 100) / 10;
}

async function waitReady(
  record: DetachedProcessRecord,
  what: string,
  probe: () => Promise<boolean>,
  signal?: AbortSignal,
  timeoutMs = COMPONENT_READY_MS,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    if (!isAlive(record))
      throw new InfrastructureError(`local cluster: ${record.name} exited during start-up. Last log lines (${record.logFile}):\n${logTail(record.logFile)}`);
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new InfrastructureError(
    `local cluster: ${record.name} did not become ready ` +
      `(${what}) within ${timeoutMs / 1000} s. Last log lines (${record.logFile}):\n${logTail(record.logFile)}`,
  );
}

async function criReady(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const client = new CriClient(socket);
  try {
    const conditions = await client.conditions({ timeoutMs: 2_000 });
    return conditions.every((c) => c.status);
  } finally {
    client.close();
  }
}

export async function writeState(layout: LocalClusterLayout, state: LocalClusterState): Promise<void> {
  // Written aside and renamed: a reader never sees half a file.
  await writeFile(`${layout.stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${layout.stateFile}.tmp`, layout.stateFile);
}

export async function readState(layout: LocalClusterLayout): Promise<LocalClusterState | undefined> {
  try {
    return JSON.parse(await readFile(layout.stateFile, 'utf8')) as LocalClusterState;
  } catch {
    return undefined;
  }
}

/** The cluster's API as admin, reusing connections (start-up polls it several times a second). */
export function coreApi(kubeconfig: string): CoreV1Api {
  const config = loadKubeConfig(kubeconfig);
  shareAgents(config);
  return config.makeApiClient(CoreV1Api);
}

/**
 * Brings a single-node cluster up from processes: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, a pinned containerd + runc with a CNI bridge, and a kubelet, each started only
 * once the one before it answers. Every process is recorded in state.json as soon as it starts, so
 * a failure (or an interrupt) part-way leaves a state that stopLocalCluster can remove.
 */
export async function startLocalCluster(spec: ClusterSpec, layout: LocalClusterLayout, options: ClusterOperationOptions = {}): Promise<LocalClusterState> {
  const notice = options.onNotice ?? (() => undefined);
  const started = performance.now();
  const timings: Record<string, number> = {};
  const store = new RuntimeStore();
  const kubernetes = await store.ensure(parseKey('kubernetes', `kubernetes@${spec.kubernetes}`), { autoInstall: true, onProgress: notice });
  const runtime = await store.resolveBinarySet(spec.containerd, spec.runc, { autoInstall: true, onProgress: notice });
  const etcd = await whichProgram('etcd');
  if (!etcd) throw new InfrastructureError('local cluster: etcd was not found on PATH. On Debian: apt-get install -y etcd-server.');
  timings.binaries = since(started);

  for (const dir of [
    layout.dir,
    layout.pkiDir,
    layout.logDir,
    layout.kubeletRoot,
    layout.podLogsDir,
    layout.containerdRoot,
    layout.cniConfDir,
    layout.cniIpamDir,
  ]) {
    await mkdir(dir, { recursive: true });
  }
  const [etcdPort, etcdPeerPort, apiPort, kubeletPort, healthzPort, containerdMetricsPort] = [
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
  ];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const server = `https://127.0.0.1:${apiPort}`;
  const containerdMetrics = `127.0.0.1:${containerdMetricsPort}`;
  const state: LocalClusterState = {
    schemaVersion: 1,
    name: spec.name,
    spec,
    nodeName: `${spec.name}-node`,
    server,
    containerdMetrics,
    etcdUrl,
    binaries: { kubernetes, runtime, etcd },
    processes: [],
    timings,
    notes: [],
    startedAt: new Date().toISOString(),
  };
  await writeState(layout, state);
  const log = (name: string) => join(layout.logDir, `${name}.log`);
  const launch = async (name: string, file: string, args: string[], pathPrefix?: string[]) => {
    options.signal?.throwIfAborted();
    const record = await startDetached(name, { file, args, ...(pathPrefix ? { pathPrefix } : {}) }, log(name));
    state.processes.push(record);
    await writeState(layout, state);
    return record;
  };

  let phase = performance.now();
  const pki: ClusterPki = await createClusterPki(layout.pkiDir);
  await writeFile(layout.kubeconfig, await renderKubeconfig(server, pki), { mode: 0o600 });
  const images = Promise.all([buildWorkloadImage(), buildPauseImage()]);

  const etcdProcess = await launch('etcd', etcd, etcdArgs(layout.etcdData, etcdUrl, `http://127.0.0.1:${etcdPeerPort}`));
  await waitReady(etcdProcess, `${etcdUrl}/health`, () => httpOk(`${etcdUrl}/health`), options.signal);
  const apiserver = await launch('kube-apiserver', kubernetes['kube-apiserver']!, [
    ...apiserverArgs({ etcdUrl, port: apiPort, pki, certDir: join(layout.pkiDir, 'apiserver') }),
    // The apiserver reaches the kubelet (logs, exec) as the cluster admin.
    `--kubelet-client-certificate=${pki.adminCert}`,
    `--kubelet-client-key=${pki.adminKey}`,
    // ... and checks the kubelet's serving certificate, issued by the cluster CA for the node's address.
    `--kubelet-certificate-authority=${pki.caCert}`,
    '--kubelet-preferred-address-types=InternalIP',
  ]);
  const api = coreApi(layout.kubeconfig);
  await waitReady(apiserver, `${server}/readyz`, async () => (await api.listNamespace({ limit: 1 })) !== undefined, options.signal);
  timings.controlPlane = since(phase);

  phase = performance.now();
  const controllerManager = await launch('kube-controller-manager', kubernetes['kube-controller-manager']!, controllerManagerArgs(layout.kubeconfig, pki));
  await launch('kube-scheduler', kubernetes['kube-scheduler']!, schedulerArgs(layout.kubeconfig));

  if (!(await canLowerOomScoreAdj())) state.notes.push('restrict_oom_score_adj = true was set: this host cannot lower oom_score_adj (no CAP_SYS_RESOURCE).');
  await writeContainerdConfig(layout, state, runtime, containerdMetrics);
  await writeFile(join(layout.cniConfDir, '10-podchurn.conflist'), cniConflist(layout));
  const containerd = await launch('containerd', runtime.containerd, ['--config', layout.containerdConfig], containerdPath(runtime));
  await waitReady(containerd, 'CRI RuntimeReady and NetworkReady', () => criReady(layout.containerdSocket), options.signal);
  await importImages(runtime.ctr, layout.containerdSocket, await images);
  timings.runtime = since(phase);

  phase = performance.now();
  await ensureNodeAddress(layout);
  const kubeletServing = await issueKubeletServingCert(layout.pkiDir, pki, { name: state.nodeName, address: layout.nodeAddress });
  await writeFile(
    layout.kubeletConfig,
    kubeletConfig(layout, {
      nodeName: state.nodeName,
      caCert: pki.caCert,
      runtimeRequestTimeoutSeconds: spec.runtimeRequestTimeoutSeconds,
      port: kubeletPort,
      healthzPort,
      cgroupDriver: 'cgroupfs',
      address: layout.nodeAddress,
      tlsCertFile: kubeletServing.cert,
      tlsPrivateKeyFile: kubeletServing.key,
    }),
  );
  await createCgroupRoot(layout.cgroupRoot);
  const kubelet = await launch(
    'kubelet',
    kubernetes.kubelet!,
    kubeletArgs({
      configFile: layout.kubeletConfig,
      kubeconfig: layout.kubeconfig,
      nodeName: state.nodeName,
      nodeIp: layout.nodeAddress,
      rootDir: layout.kubeletRoot,
    }),
  );
  await waitReady(
    kubelet,
    `node ${state.nodeName} Ready`,
    async () => {
      const node = await api.readNode({ name: state.nodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    options.signal,
  );
  // Pods are admitted only once their namespace has a default ServiceAccount, which a controller creates.
  await waitReady(
    controllerManager,
    'the default ServiceAccount',
    async () => (await api.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })) !== undefined,
    options.signal,
  );
  timings.node = since(phase);
  timings.total = since(started);
  await writeState(layout, state);
  return state;
}

/**
 * Stops one component, waits downMs, and starts it again the way it was started (same argv, ports,
 * data): the situation of a control-plane restart or a runtime restart on a node.
 */
export async function restartComponent(layout: LocalClusterLayout, state: LocalClusterState, name: string, downMs = 0): Promise<void> {
  const index = state.processes.findIndex((p) => p.name === name);
  const record = state.processes[index];
  if (!record) throw new InputError(`local cluster ${state.name} has no component "${name}"; it has ${state.processes.map((p) => p.name).join(', ')}.`);
  await stopDetached(record);
  await sleep(downMs);
  // The kubelet serves on the node's own link: make sure it is still there (someone may have removed it).
  if (name === 'kubelet') await ensureNodeAddress(layout);
  state.processes[index] = await startDetached(name, record.command, record.logFile);
  await writeState(layout, state);
}

/**
 * The node's containerd config for a binary set: the config version that binary itself uses, the run's
 * paths and metrics address, then the user's patches. Returns that config version.
 */
async function writeContainerdConfig(layout: LocalClusterLayout, state: LocalClusterState, runtime: BinarySet, metricsAddress: string): Promise<number> {
  const containerd = await probeContainerd(runtime.containerd);
  const restrict = !(await canLowerOomScoreAdj());
  const config = applyConfigPatches(
    containerdConfig(
      { binaries: runtime, containerd, logLevel: 'info', restrictOomScoreAdj: restrict, sandboxImage: PAUSE_IMAGE },
      { root: layout.containerdRoot, state: layout.containerdState, socket: layout.containerdSocket, metricsAddress },
    ),
    state.spec.containerdConfigPatches,
  );
  await writeFile(layout.containerdConfig, toToml(config));
  return containerd.configVersion;
}

/** The shim is found on PATH: the pinned one first. */
function containerdPath(runtime: BinarySet): string[] {
  return [...new Set([dirname(runtime.shim), dirname(runtime.containerd)])];
}

/**
 * Replaces the node's containerd in place, the way a node upgrade or `systemctl restart containerd` does it:
 * the daemon gets SIGTERM and nothing else (its shims, and so the pods' containers, keep running), and the
 * given pins' daemon starts on the same root, state, socket and metrics address with a config of its own
 * version. The kubelet reconnects on its own. Done when the new daemon reports CRI ready.
 */
export async function replaceContainerd(
  layout: LocalClusterLayout,
  state: LocalClusterState,
  pins: { containerd: string; runc: string },
  options: ClusterOperationOptions = {},
): Promise<RuntimeStepResult> {
  const index = state.processes.findIndex((p) => p.name === 'containerd');
  const record = state.processes[index];
  if (!record || !state.containerdMetrics)
    throw new InfrastructureError(
      `local cluster ${state.name} was brought up by an older podchurn (no containerd record or metrics address); bring it up again.`,
    );
  const from = state.binaries.runtime;
  const next = await new RuntimeStore().resolveBinarySet(pins.containerd, pins.runc, { autoInstall: true, onProgress: options.onNotice });
  const [fromMeasured, nextMeasured] = await Promise.all([measureVersions(from), measureVersions(next)]);
  const started = performance.now();
  await stopDetached(record);
  const configVersion = await writeContainerdConfig(layout, state, next, state.containerdMetrics);
  const containerd = await startDetached(
    'containerd',
    { file: next.containerd, args: ['--config', layout.containerdConfig], pathPrefix: containerdPath(next) },
    record.logFile,
  );
  state.processes[index] = containerd;
  state.binaries.runtime = next;
  await writeState(layout, state);
  await waitReady(containerd, 'CRI RuntimeReady and NetworkReady after a runtime step', () => criReady(layout.containerdSocket), options.signal);
  const downtimeMs = Math.round(performance.now() - started);
  const client = new CriClient(layout.containerdSocket);
  const version = await client.version({ timeoutMs: 10_000 }).finally(() => client.close());
  return {
    from: { containerdKey: from.containerdKey, runcKey: from.runcKey, measured: fromMeasured, daemonPid: record.pid },
    to: {
      containerdKey: next.containerdKey,
      runcKey: next.runcKey,
      measured: nextMeasured,
      daemonPid: containerd.pid,
      criRuntimeVersion: version.runtime_version,
      configVersion,
    },
    downtimeMs,
    shimPidsAfter: await pidsWithCommandLine(['-address', layout.containerdSocket]),
  };
}

/** cgroup v1 needs the kubelet's cgroup root to exist in every hierarchy before it starts. */
async function createCgroupRoot(relative: string): Promise<void> {
  const hierarchies = await readdirSafe('/sys/fs/cgroup');
  for (const hierarchy of hierarchies) {
    const base = join('/sys/fs/cgroup', hierarchy);
    if (!existsSync(join(base, 'cgroup.procs'))) continue;
    await mkdir(join(base, relative), { recursive: true }).catch(() => undefined);
  }
  if (existsSync('/sys/fs/cgroup/cgroup.procs')) await mkdir(join('/sys/fs/cgroup', relative), { recursive: true }).catch(() => undefined);
}

async function readdirSafe(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/**
 * Stops everything a local cluster started, in reverse order, and removes what it left: pods are
 * stopped through CRI first (so CNI releases their addresses and network namespaces), then any
 * shim, container process, mount, cgroup, bridge and directory of the cluster. Works from
 * state.json alone, so it also cleans up after a podchurn that was killed.
 */
export async function stopLocalCluster(layout: LocalClusterLayout, state: LocalClusterState | undefined): Promise<ClusterTeardown> {
  const removed: string[] = [];
  const leftovers: string[] = [];
  const processes = [...(state?.processes ?? [])].reverse();
  const kubelet = processes.find((p) => p.name === 'kubelet');
  // The kubelet first, or it would restart the containers being removed.
  if (kubelet && (await stopDetached(kubelet))) removed.push('kubelet (SIGKILL)');
  // Network namespaces of the cluster's pods, found through their processes while those still run: a
  // sandbox that CRI cannot remove keeps its /run/netns bind mount unless it is removed here.
  const podNetns = await netnsOfCgroupTree(layout.cgroupRoot);
  const containerd = processes.find((p) => p.name === 'containerd');
  if (containerd && isAlive(containerd)) removed.push(...(await removeAllPods(layout.containerdSocket)));
  for (const record of processes.filter((p) => p !== kubelet)) {
    if (await stopDetached(record)) removed.push(`${record.name} (SIGKILL)`);
  }
  // Shims outlive their daemon by design; ours are found by the socket they were given.
  for (const pid of await pidsWithCommandLine(['-address', layout.containerdSocket])) {
    try {
      process.kill(pid, 'SIGKILL');
      removed.push(`shim pid ${pid}`);
    } catch {
      // already gone
    }
  }
  const killed = await killAndRemoveCgroupTree(layout.cgroupRoot);
  if (killed) removed.push(`${killed} container process(es)`);
  for (const path of podNetns.filter((p) => existsSync(p))) {
    const unmounted = await runCommand('umount', [path], { timeoutMs: 10_000 });
    if (unmounted.exitCode === 0) {
      await rm(path, { force: true });
      removed.push(`network namespace ${path}`);
    } else leftovers.push(`network namespace ${path}: ${unmounted.stderr.trim()}`);
  }
  leftovers.push(...(await unmountAllUnder([layout.dir, layout.containerdState])).map((m) => `mount ${m}`));
  const link = await runCommand('ip', ['link', 'show', layout.bridge], { timeoutMs: 10_000 }).catch(() => undefined);
  if (link?.exitCode === 0) {
    const deleted = await runCommand('ip', ['link', 'delete', layout.bridge], { timeoutMs: 10_000 });
    if (deleted.exitCode === 0) removed.push(`bridge ${layout.bridge}`);
    else leftovers.push(`bridge ${layout.bridge}: ${deleted.stderr.trim()}`);
  }
  const nodeLink = await removeNodeAddress(layout);
  if (nodeLink.removed) removed.push(nodeLink.removed);
  if (nodeLink.leftover) leftovers.push(nodeLink.leftover);
  for (const record of processes) if (isAlive(record)) leftovers.push(`${record.name} pid ${record.pid}`);
  const stillInCgroups = await pidsInCgroupTree(layout.cgroupRoot);
  if (stillInCgroups.length) leftovers.push(`${stillInCgroups.length} process(es) in cgroup ${layout.cgroupRoot}`);
  const mounts = await mountsUnder([layout.dir, layout.containerdState]);
  if (leftovers.length === 0 && mounts.length === 0) {
    await rm(layout.dir, { recursive: true, force: true });
    await rm(layout.containerdState, { recursive: true, force: true });
  } else {
    leftovers.push(...mounts.map((m) => `mount ${m}`));
  }
  return { removed, leftovers: [...new Set(leftovers)] };
}

const NETNS_DIRS = ['/run/netns', '/var/run/netns'];

/** The /run/netns entries whose namespace a process in the cgroup tree is in (matched by nsfs inode). */
async function netnsOfCgroupTree(cgroupRoot: string): Promise<string[]> {
  const inodes = new Set<number>();
  for (const pid of await pidsInCgroupTree(cgroupRoot)) {
    const inode = await stat(`/proc/${pid}/ns/net`).then(
      (s) => s.ino,
      () => undefined,
    );
    if (inode !== undefined) inodes.add(inode);
  }
  const found = new Set<string>();
  for (const dir of NETNS_DIRS) {
    for (const name of await readdirSafe(dir)) {
      const path = join(dir, name);
      const inode = await stat(path).then(
        (s) => s.ino,
        () => undefined,
      );
      if (inode !== undefined && inodes.has(inode)) found.add(await realpath(path).catch(() => path));
    }
  }
  return [...found];
}

/** Sandboxes stopped and removed at once during teardown. */
const TEARDOWN_CONCURRENCY = 16;
/** A sandbox whose container lost its exit never stops through CRI: give up on it and let the kill below end it. */
const TEARDOWN_CALL_TIMEOUT_MS = 10_000;

/** Stops and removes every pod sandbox over CRI, so CNI DEL runs for each; returns what it removed. */
async function removeAllPods(socket: string): Promise<string[]> {
  const client = new CriClient(socket);
  try {
    const sandboxes = await client.listPodSandboxes({}, { timeoutMs: 10_000 });
    const limit = pLimit(TEARDOWN_CONCURRENCY);
    const removed = await Promise.all(
      sandboxes.map((sandbox) =>
        limit(async () => {
          await client.stopPodSandbox(sandbox.id, { timeoutMs: TEARDOWN_CALL_TIMEOUT_MS }).catch(() => undefined);
          return client.removePodSandbox(sandbox.id, { timeoutMs: TEARDOWN_CALL_TIMEOUT_MS }).then(
            () => true,
            () => false,
          );
        }),
      ),
    );
    const failed = removed.filter((ok) => !ok).length;
    return [
      ...(sandboxes.length ? [`${sandboxes.length - failed} pod sandbox(es)`] : []),
      ...(failed ? [`${failed} pod sandbox(es) that did not stop through CRI (killed with their cgroups)`] : []),
    ];
  } catch (error) {
    return [`pod sandboxes not listed: ${describeCause(error)}`];
  } finally {
    client.close();
  }
}
