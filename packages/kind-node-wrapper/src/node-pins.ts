import { KindToolError } from './errors.js';
import { dockerArgv, outputTail, runTool, runToolOk } from './kind-cli.js';
import { parseContainerdVersion, parseRuncVersion, parseShimVersion } from './versions.js';

/**
 * Pinned runtimes on kind nodes: the caller's binaries (host paths) are copied over the node image's
 * own (`docker cp`), containerd is restarted, and the versions are verified by running the binaries
 * in the node.
 *
 * Where kind node images keep them: /usr/local/bin/{containerd,containerd-shim-runc-v2,ctr} and
 * /usr/local/sbin/runc. The containerd unit has KillMode=process, so a restart keeps the shims that
 * already run: **only pods created after the swap get the new shim** (and the lost-exit fix lives in
 * the shim). Pin before the workload starts. A new runc is used by the next runc call.
 */

export const nodeBinaryPaths = {
  containerd: '/usr/local/bin/containerd',
  'containerd-shim-runc-v2': '/usr/local/bin/containerd-shim-runc-v2',
  ctr: '/usr/local/bin/ctr',
  runc: '/usr/local/sbin/runc',
} as const;
export type NodeBinary = keyof typeof nodeBinaryPaths;

/** The runtimes to put on the nodes: host paths of the binaries and the version each must report. Absent: the node image's own. */
export interface NodePins {
  /** containerd X: daemon, shim and ctr, each reporting version X. */
  containerd?: { version: string; binaries: Record<'containerd' | 'containerd-shim-runc-v2' | 'ctr', string> };
  runc?: { version: string; binary: string };
}

/** What a node reports after pinning. */
export interface PinnedNodeVersions {
  node: string;
  containerd?: string;
  shim?: string;
  runc?: string;
}

export function hasPins(pins: NodePins): boolean {
  return pins.containerd !== undefined || pins.runc !== undefined;
}

/** The copies one node needs: [source on the host, destination in the node]. */
export function pinCopies(pins: NodePins): [string, string][] {
  const copies: [string, string][] = [];
  if (pins.containerd) {
    for (const name of ['containerd', 'containerd-shim-runc-v2', 'ctr'] as const) copies.push([pins.containerd.binaries[name], nodeBinaryPaths[name]]);
  }
  if (pins.runc) copies.push([pins.runc.binary, nodeBinaryPaths.runc]);
  return copies;
}

/** Version probes run in a node: argv and the parser of its output. */
export const versionProbes = {
  containerd: { argv: ['containerd', '--version'], parse: parseContainerdVersion },
  shim: { argv: ['containerd-shim-runc-v2', '-v'], parse: parseShimVersion },
  runc: { argv: ['runc', '--version'], parse: parseRuncVersion },
} as const;

/** Runs one version probe in a node; undefined when the binary does not answer with a version. */
export async function probeNodeVersion(node: string, probe: keyof typeof versionProbes): Promise<string | undefined> {
  const { argv, parse } = versionProbes[probe];
  const result = await runTool('docker', dockerArgv.exec(node, argv), { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return undefined;
  return parse(result.stdout)?.replace(/^v/, '');
}

/** Runs the pinned binaries in a node and refuses a node whose versions differ from the pins. */
export async function verifyNodePins(node: string, pins: NodePins): Promise<PinnedNodeVersions> {
  const versions: PinnedNodeVersions = { node };
  const problems: string[] = [];
  if (pins.containerd) {
    versions.containerd = await probeNodeVersion(node, 'containerd');
    versions.shim = await probeNodeVersion(node, 'shim');
    if (versions.containerd !== pins.containerd.version)
      problems.push(`containerd reports ${versions.containerd ?? 'no version'}, not ${pins.containerd.version}`);
    if (versions.shim !== pins.containerd.version)
      problems.push(`containerd-shim-runc-v2 reports ${versions.shim ?? 'no version'}, not ${pins.containerd.version}`);
  }
  if (pins.runc) {
    versions.runc = await probeNodeVersion(node, 'runc');
    if (versions.runc !== pins.runc.version) problems.push(`runc reports ${versions.runc ?? 'no version'}, not ${pins.runc.version}`);
  }
  if (problems.length) {
    throw new KindToolError(
      `the pinned runtimes do not run on kind ` +
        `node ${node}: ${problems.join('; ')}. Binaries must run inside the node image (statically linked, or with the node's libraries: a runc built ` +
        `with cgo ` +
        `needs libseccomp there).`,
    );
  }
  return versions;
}

/** Copies the pinned binaries into each node, restarts containerd there and verifies the versions. */
export async function pinNodeRuntimes(
  nodes: readonly string[],
  pins: NodePins,
  onNotice: (line: string) => void = () => undefined,
): Promise<PinnedNodeVersions[]> {
  const measured: PinnedNodeVersions[] = [];
  for (const node of nodes) {
    for (const [source, destination] of pinCopies(pins)) {
      await runToolOk('docker', dockerArgv.cp(source, node, destination), `copying ${source} into ${node}`);
    }
    const restart = await runTool('docker', dockerArgv.exec(node, ['systemctl', 'restart', 'containerd']), { timeoutMs: 120_000 });
    if (restart.exitCode !== 0) {
      const journal = await runTool('docker', dockerArgv.exec(node, ['journalctl', '-u', 'containerd', '--no-pager', '-n', '20']), { timeoutMs: 30_000 }).catch(
        () => undefined,
      );
      throw new KindToolError(
        `containerd did not restart on ${node} after the pinned binaries were copied in ` +
          `(exit ${restart.exitCode}):\n${outputTail(restart)}${journal ? `\nLast containerd log lines:\n${outputTail(journal, 20)}` : ''}`,
      );
    }
    const versions = await verifyNodePins(node, pins);
    onNotice(
      `${node}: pinned ${[pins.containerd && `containerd ${versions.containerd} (shim ${versions.shim})`, pins.runc && `runc ${versions.runc}`]
        .filter(Boolean)
        .join(', ')}; pods created from now on use them`,
    );
    measured.push(versions);
  }
  return measured;
}
