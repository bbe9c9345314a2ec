import { existsSync } from 'node:fs';
import { renderTable } from '../../reports/table.js';
import { parseContainerdVersion, parseRuncVersion } from '../../runtime/binary-set.js';
import { canLowerOomScoreAdj, cgroupVersion, isRoot, kernelRelease } from '../../runtime/host.js';
import { RuntimeStore } from '../../runtime/store.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../scenario/schema.js';
import { runCommand, whichProgram } from '../../util/exec.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when not ok, and which targets need it. */
  remedy: string;
}

async function programVersion(name: string, args: string[], parse: (out: string) => string | undefined): Promise<{ path?: string; version?: string }> {
  const path = await whichProgram(name);
  if (!path) return {};
  const result = await runCommand(path, args, { timeoutMs: 10_000 }).catch(() => undefined);
  return { path, version: result ? (parse(`${result.stdout}\n${result.stderr}`) ?? result.stdout.split('\n')[0]?.trim()) : undefined };
}

/** What this host can run, and exactly what to install for each target. Exit 0 when the CRI target can run. */
export async function doctorCommand(): Promise<number> {
  const [containerd, runc, ctr, busybox, gcc, docker, kind, go, kubectl, etcd] = await Promise.all([
    programVersion('containerd', ['--version'], parseContainerdVersion),
    programVersion('runc', ['--version'], parseRuncVersion),
    programVersion('ctr', ['--version'], (o) => /ctr\S*\s+\S+\s+(\S+)/.exec(o)?.[1]),
    programVersion('busybox', ['--help'], (o) => /BusyBox (v\S+)/.exec(o)?.[1]),
    programVersion('gcc', ['--version'], (o) => o.split('\n')[0]),
    programVersion('docker', ['--version'], (o) => /version ([^,\s]+)/.exec(o)?.[1]),
    programVersion('kind', ['version'], (o) => /kind (v\S+)/.exec(o)?.[1]),
    programVersion('go', ['version'], (o) => /go version (\S+)/.exec(o)?.[1]),
    programVersion('kubectl', ['version', '--client'], (o) => /(v\d+\.\d+\.\d+)/.exec(o)?.[1]),
    programVersion('etcd', ['--version'], (o) => /etcd Version: (\S+)/.exec(o)?.[1]),
  ]);
  const kubernetes = await new RuntimeStore().get(`kubernetes@${DEFAULT_KUBERNETES_VERSION}`).catch(() => undefined);
  const root = isRoot();
  const negativeOom = root ? await canLowerOomScoreAdj() : false;
  const found = (p: { path?: string; version?: string }) => (p.path ? `${p.version ?? 'unknown version'} (${p.path})` : 'not found');
  const checks: Check[] = [
    { name: 'root', ok: root, detail: root ? 'running as root' : `uid ${process.getuid?.()}`, remedy: 'cri: run podchurn as root (sudo)' },
    { name: 'containerd', ok: Boolean(containerd.path), detail: found(containerd), remedy: 'cri: apt-get install containerd (or a pinned runtime)' },
    { name: 'ctr', ok: Boolean(ctr.path), detail: found(ctr), remedy: 'cri: apt-get install containerd' },
    { name: 'runc', ok: Boolean(runc.path), detail: found(runc), remedy: 'cri: apt-get install runc' },
    { name: 'busybox-static', ok: Boolean(busybox.path), detail: found(busybox), remedy: 'cri: apt-get install busybox-static (workload image)' },
    { name: 'gcc', ok: Boolean(gcc.path), detail: found(gcc), remedy: 'cri: apt-get install gcc libc6-dev (pause image, built once)' },
    {
      name: 'negative oom_score_adj',
      ok: true,
      detail: negativeOom ? 'allowed' : 'not allowed (no CAP_SYS_RESOURCE): podchurn sets restrict_oom_score_adj = true automatically',
      remedy: '',
    },
    { name: 'cgroup', ok: true, detail: `${cgroupVersion()} (kernel ${kernelRelease()})`, remedy: '' },
    { name: 'CNI plugins', ok: existsSync('/usr/lib/cni/bridge') || existsSync('/opt/cni/bin/bridge'), detail: existsSync('/usr/lib/cni/bridge') ? '/usr/lib/cni' : existsSync('/opt/cni/bin/bridge') ? '/opt/cni/bin' : 'not found', remedy: 'local cluster: apt-get install containernetworking-plugins (cri target uses host network and needs none)' },
    { name: 'etcd', ok: Boolean(etcd.path), detail: found(etcd), remedy: 'local cluster: apt-get install etcd-server' },
    {
      name: `kubernetes@${DEFAULT_KUBERNETES_VERSION}`,
      ok: Boolean(kubernetes),
      detail: kubernetes ? `in the runtime store (${kubernetes.source})` : 'not built yet',
      remedy: `local cluster: built on first use, or now: podchurn runtime build kubernetes@${DEFAULT_KUBERNETES_VERSION} (about 20 minutes once)`,
    },
    { name: 'docker', ok: Boolean(docker.path), detail: found(docker), remedy: 'kind: apt-get install docker.io' },
    { name: 'kind', ok: Boolean(kind.path), detail: found(kind), remedy: 'kind: install the kind CLI' },
    { name: 'go', ok: Boolean(go.path), detail: found(go), remedy: 'pinned runtimes / local cluster: Go 1.26 to build components from the Go module proxy' },
    { name: 'kubectl', ok: Boolean(kubectl.path), detail: found(kubectl), remedy: 'optional: apt-get install kubectl' },
  ];
  const rows = checks.map((c) => [c.ok ? 'ok' : 'MISSING', c.name, c.detail, c.ok ? '' : c.remedy]);
  process.stdout.write(`${renderTable(['status', 'check', 'found', 'to fix'], rows)}\n`);
  const criReady = ['root', 'containerd', 'ctr', 'runc', 'busybox-static', 'gcc'].every((name) => checks.find((c) => c.name === name)?.ok);
  process.stdout.write(`\ncri target (harness-managed containerd): ${criReady ? 'ready' : 'not ready — install what is MISSING above (scripts/setup.sh does it on Debian)'}\n`);
  const localReady = criReady && ['etcd', 'CNI plugins', 'go'].every((name) => checks.find((c) => c.name === name)?.ok);
  process.stdout.write(`local cluster (cluster.provider: local): ${localReady ? 'ready' : 'not ready — install what is MISSING above'}\n`);
  return criReady ? 0 : 3;
}
