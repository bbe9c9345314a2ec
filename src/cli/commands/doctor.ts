import { existsSync } from 'node:fs';
import { CRI_TOOLS_FOR_NODE } from '../../images/kind-node/node-image.js';
import { parseContainerdVersion, parseRuncVersion } from '../../runtime/binary-set.js';
import { canLowerOomScoreAdj, cgroupVersion, isRoot, kernelRelease } from '../../runtime/host.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../scenario/schema.js';
import { describeBuild, totalSeconds, type BuildStep } from '../doctor/build-times.js';
import { findDockerEngine, findKubeconfig, findProgram, findStoreKey, type Finding } from '../doctor/probes.js';

/** One thing a target or provider needs, as doctor reports it, and how to get it when it is missing. */
interface Check {
  name: string;
  finding: Finding;
  /** The exact command that installs or starts it. */
  fix: string;
  /** A missing thing that a first run (or the fix) builds: how long that took where it was measured. */
  build?: BuildStep;
  /** Optional tools and notes do not decide readiness. */
  required?: boolean;
  /** A fact about the host, not something to install. */
  note?: boolean;
}

interface Section {
  title: string;
  checks: Check[];
  /** Other sections whose required checks this one needs too (the local cluster runs the CRI target's runtime). */
  needs?: Section[];
}

const SETUP = 'bash scripts/setup.sh';

function required(checks: Check[]): Check[] {
  return checks.filter((c) => c.required !== false);
}

function isReady(section: Section): boolean {
  return [section, ...(section.needs ?? [])].every((s) => required(s.checks).every((c) => c.finding.present));
}

function missingBuilds(section: Section): BuildStep[] {
  return [section, ...(section.needs ?? [])].flatMap((s) =>
    required(s.checks)
      .filter((c) => !c.finding.present && c.build)
      .map((c) => c.build!),
  );
}

/** One check as lines: status, name and what was found; for a missing one, the command and the measured build time. */
function renderCheck(check: Check, nameWidth: number): string[] {
  const status = check.note ? 'note' : check.finding.present ? 'ok' : check.required === false ? 'absent' : 'MISSING';
  const lines = [`  ${status.padEnd(9)}${check.name.padEnd(nameWidth)}  ${check.finding.detail}`];
  const indent = ' '.repeat(11 + nameWidth + 2);
  if (!check.finding.present && check.fix) lines.push(`${indent}to fix: ${check.fix}`);
  if (!check.finding.present && check.build) lines.push(`${indent}builds: ${describeBuild(check.build)}`);
  return lines;
}

function renderSection(section: Section, nameWidth: number): string {
  const builds = [...new Set(missingBuilds(section))];
  const missing = [section, ...(section.needs ?? [])]
    .flatMap((s) => required(s.checks))
    .filter((c) => !c.finding.present)
    .map((c) => c.name);
  const verdict = isReady(section)
    ? 'ready'
    : `not ready (missing: ${[...new Set(missing)].join(', ')})${
        builds.length ? `; the builds take about ${Math.round(totalSeconds(builds) / 60)} min once, as measured` : ''
      }`;
  return [`${section.title}: ${verdict}`, ...section.checks.flatMap((c) => renderCheck(c, nameWidth))].join('\n');
}

/**
 * What this host can run, per target and cluster provider: what is present, what is missing, the
 * command that installs or starts each missing thing, and how long building it took where measured.
 * Exit 0 when the CRI target can run, 3 when it cannot.
 */
export async function doctorCommand(): Promise<number> {
  const [containerd, runc, ctr, busybox, gcc, docker, kind, go, kubectl, etcd, debootstrap] = await Promise.all([
    findProgram('containerd', ['--version'], parseContainerdVersion),
    findProgram('runc', ['--version'], parseRuncVersion),
    findProgram('ctr', ['--version'], (o) => /ctr\S*\s+\S+\s+(\S+)/.exec(o)?.[1]),
    findProgram('busybox', ['--help'], (o) => /BusyBox (v\S+)/.exec(o)?.[1]),
    findProgram('gcc', ['--version'], (o) => o.split('\n')[0]),
    findProgram('docker', ['--version'], (o) => /version ([^,\s]+)/.exec(o)?.[1]),
    findProgram('kind', ['version'], (o) => /kind (v\S+)/.exec(o)?.[1]),
    findProgram('go', ['version'], (o) => /go version (\S+)/.exec(o)?.[1]),
    findProgram('kubectl', ['version', '--client'], (o) => /(v\d+\.\d+\.\d+)/.exec(o)?.[1]),
    findProgram('etcd', ['--version'], (o) => /etcd Version: (\S+)/.exec(o)?.[1]),
    findProgram('debootstrap', ['--version'], (o) => /debootstrap (\S+)/.exec(o)?.[1]),
  ]);
  const kubernetesKey = `kubernetes@${DEFAULT_KUBERNETES_VERSION}`;
  const [dockerEngine, kubernetes, criTools] = await Promise.all([
    findDockerEngine(docker.path),
    findStoreKey(kubernetesKey),
    findStoreKey(CRI_TOOLS_FOR_NODE),
  ]);
  const root = isRoot();
  const negativeOom = root ? await canLowerOomScoreAdj() : false;
  const cniDir = ['/usr/lib/cni', '/opt/cni/bin'].find((dir) => existsSync(`${dir}/bridge`));
  const info = (name: string, detail: string): Check => ({ name, finding: { present: true, detail }, fix: '', required: false, note: true });

  const cri: Section = {
    title: 'cri target (harness-managed containerd)',
    checks: [
      {
        name: 'root',
        finding: { present: root, detail: root ? 'running as root' : `uid ${process.getuid?.()}` },
        fix: 'run podchurn as root (sudo podchurn ...)',
      },
      { name: 'containerd', finding: containerd, fix: `${SETUP} (apt-get install containerd), or pin one: podchurn runtime fetch containerd@1.7.22` },
      { name: 'ctr', finding: ctr, fix: `${SETUP} (apt-get install containerd)` },
      { name: 'runc', finding: runc, fix: `${SETUP} (apt-get install runc)` },
      { name: 'busybox-static', finding: busybox, fix: `${SETUP} (apt-get install busybox-static: the workload image)` },
      { name: 'gcc', finding: gcc, fix: `${SETUP} (apt-get install gcc libc6-dev: the pause image, built once)` },
      info('negative oom_score_adj', negativeOom ? 'allowed' : 'not allowed (no CAP_SYS_RESOURCE): podchurn sets restrict_oom_score_adj = true automatically'),
      info('cgroup', `${cgroupVersion()} (kernel ${kernelRelease()})`),
    ],
  };
  const goCheck: Check = { name: 'go', finding: go, fix: 'install Go 1.26 (builds runtime store keys from the Go module proxy)' };
  const local: Section = {
    title: 'local cluster (cluster.provider: local)',
    needs: [cri],
    checks: [
      {
        name: 'CNI plugins',
        finding: { present: Boolean(cniDir), detail: cniDir ?? 'no bridge plugin in /usr/lib/cni or /opt/cni/bin' },
        fix: `${SETUP} (apt-get install containernetworking-plugins)`,
      },
      { name: 'etcd', finding: etcd, fix: `${SETUP} (apt-get install etcd-server)` },
      goCheck,
      { name: kubernetesKey, finding: kubernetes, fix: `podchurn runtime build ${kubernetesKey} (or the first cluster up builds it)`, build: 'kubernetes' },
    ],
  };
  const kindSection: Section = {
    title: 'kind cluster (cluster.provider: kind)',
    checks: [
      { name: 'docker CLI', finding: docker, fix: 'bash scripts/docker-engine.sh start (installs docker.io)', build: 'docker-engine' },
      { name: 'docker engine', finding: dockerEngine, fix: 'bash scripts/docker-engine.sh start' },
      { name: 'kind', finding: kind, fix: 'bash scripts/kind-tool.sh (builds the pinned kind CLI)', build: 'kind-cli' },
      { name: 'debootstrap', finding: debootstrap, fix: 'apt-get install debootstrap (offline node images; bash scripts/setup.sh --test installs it)' },
      goCheck,
      { name: kubernetesKey, finding: kubernetes, fix: `podchurn runtime build ${kubernetesKey} (or the first node image build does it)`, build: 'kubernetes' },
      {
        name: CRI_TOOLS_FOR_NODE,
        finding: criTools,
        fix: `podchurn runtime build ${CRI_TOOLS_FOR_NODE} (or the first node image build does it)`,
        build: 'cri-tools',
      },
      info('node image', `built by the first cluster up: ${describeBuild('kind-node-image')}`),
      info(
        'runtime pins',
        `a scenario's containerd / runc pins are built on first use: containerd ${describeBuild('containerd')}; runc ${describeBuild('runc')}`,
      ),
    ],
  };
  const kubeconfig = findKubeconfig();
  const existing: Section = {
    title: 'existing cluster (cluster.provider: existing)',
    checks: [
      {
        name: 'kubeconfig',
        finding: kubeconfig,
        fix: 'export KUBECONFIG=/path/to/kubeconfig (or pass --kubeconfig); then: podchurn cluster status --provider existing',
      },
      { name: 'kubectl', finding: kubectl, fix: 'optional: apt-get install kubectl', required: false },
    ],
  };

  const sections = [cri, local, kindSection, existing];
  const nameWidth = Math.max(...sections.flatMap((s) => s.checks.map((c) => c.name.length)));
  process.stdout.write(`${sections.map((s) => renderSection(s, nameWidth)).join('\n\n')}\n`);
  return isReady(cri) ? 0 : 3;
}
