/**
 * What a containerd log says about each container's and sandbox's stop, read from the CRI plugin's
 * info-level lines (the same wording in 1.6, 1.7 and 2.x): when StopContainer arrived and returned (or
 * failed), the exit event where the runtime logs it at info (2.x: "received exit event"), and for the
 * pod's sandbox StopPodSandbox, its network teardown and its return. Times are the lines' own
 * `time="..."` stamps: the node's wall clock, epoch ms.
 */
export interface ContainerStopLines {
  stopReceived?: number;
  exitReceived?: number;
  stopReturned?: number;
  stopFailed?: number;
}

export interface SandboxStopLines {
  stopReceived?: number;
  networkTornDown?: number;
  stopReturned?: number;
}

export interface RuntimeStopLines {
  containers: Map<string, ContainerStopLines>;
  sandboxes: Map<string, SandboxStopLines>;
  /** Container id -> the id of the sandbox it was created in. */
  sandboxOf: Map<string, string>;
}

const id = '([0-9a-f]{64})';
/** Each line kind: where it is recorded, and the pattern whose first group is the id (the second, for a created container, its id). */
const containerLines: [keyof ContainerStopLines, RegExp][] = [
  ['stopReceived', new RegExp(`msg="StopContainer for \\\\"${id}\\\\" with timeout`)],
  ['stopReturned', new RegExp(`msg="StopContainer for \\\\"${id}\\\\" returns successfully`)],
  ['stopFailed', new RegExp(`msg="StopContainer for \\\\"${id}\\\\" failed`)],
  ['exitReceived', new RegExp(`msg="received exit event container_id:\\\\"${id}\\\\"`)],
];
const sandboxLines: [keyof SandboxStopLines, RegExp][] = [
  ['stopReceived', new RegExp(`msg="StopPodSandbox for \\\\"${id}\\\\""`)],
  ['networkTornDown', new RegExp(`msg="TearDown network for sandbox \\\\"${id}\\\\" successfully`)],
  ['stopReturned', new RegExp(`msg="StopPodSandbox for \\\\"${id}\\\\" returns successfully`)],
];
const createdIn = new RegExp(`msg="CreateContainer within sandbox \\\\"${id}\\\\" .* returns container id \\\\"${id}\\\\"`);
const stamp = /time="([^"]+)"/;
/** Only lines with one of these words are matched further: a kube node's log is mostly other lines. */
const relevant = /StopContainer|StopPodSandbox|TearDown network|received exit event|CreateContainer within/;

/** Reads the stop lines of containerd logs (first sighting of each kind wins, as for podchurn's own phases). */
export function readRuntimeStopLines(logs: Iterable<string>): RuntimeStopLines {
  const lines: RuntimeStopLines = { containers: new Map(), sandboxes: new Map(), sandboxOf: new Map() };
  for (const text of logs) {
    for (const line of text.split('\n')) {
      if (!relevant.test(line)) continue;
      const created = createdIn.exec(line);
      if (created) {
        lines.sandboxOf.set(created[2]!, created[1]!);
        continue;
      }
      const at = Date.parse(stamp.exec(line)?.[1] ?? '');
      if (Number.isNaN(at)) continue;
      note(lines.containers, containerLines, line, at);
      note(lines.sandboxes, sandboxLines, line, at);
    }
  }
  return lines;
}

function note<T extends object>(into: Map<string, T>, patterns: [keyof T, RegExp][], line: string, at: number): void {
  for (const [kind, pattern] of patterns) {
    const match = pattern.exec(line);
    if (!match) continue;
    const entry = into.get(match[1]!) ?? ({} as T);
    if (entry[kind] === undefined) (entry as Record<keyof T, number>)[kind] = at;
    into.set(match[1]!, entry);
    return;
  }
}
