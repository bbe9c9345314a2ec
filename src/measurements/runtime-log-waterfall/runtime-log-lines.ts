import type { ContainerStopLines, PodRecord, SandboxStopLines } from '../../results/pod-record.js';

/** Each container's and sandbox's stop lines in a set of containerd logs; times are the lines' own `time="..."` stamps. */
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

/**
 * Gives each record whose container the logs name its runtime lines (`PodRecord.runtimeLog`): the container's and
 * those of the sandbox it was created in.
 */
export function attachRuntimeLogLines(records: readonly PodRecord[], logs: Iterable<string>): void {
  const lines = readRuntimeStopLines(logs);
  for (const record of records) {
    const container = record.containerId ? lines.containers.get(record.containerId) : undefined;
    if (!container) continue;
    const sandboxId = lines.sandboxOf.get(record.containerId!);
    record.runtimeLog = { container, sandbox: (sandboxId && lines.sandboxes.get(sandboxId)) || {} };
  }
}
