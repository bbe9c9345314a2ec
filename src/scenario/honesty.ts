import { InputError } from '../errors.js';
import { isPlainObject, type PlainObject } from './paths.js';
import type { CellSettings } from './schema.js';

/**
 * Config honesty for scenarios: a key the user wrote (in the file, with --set, or as a matrix axis)
 * must change what a run does. A key that would be silently ignored is refused, naming the field,
 * why it has no effect and what to write instead. A key written once must take effect in at least
 * one cell (delaySeconds next to an onSigterm axis is fine); a matrix axis must take effect in every
 * cell, or some of its cells would differ only in their names.
 */

/** The cell a check looks at, with the cell's name for the message. */
export interface HonestyCell {
  name: string;
  settings: CellSettings;
}

interface FieldRule {
  paths: readonly string[];
  /** Why the field does nothing in this cell, or undefined when it is used. */
  noEffect(settings: CellSettings): string | undefined;
  /** What the user can write instead. */
  instead: string;
  /** Checked only when the field is a matrix axis (written once, it still has its other uses). */
  axisOnly?: boolean;
}

const probeDetailPaths = ['execProbe.periodMs', 'execProbe.timeoutSeconds', 'execProbe.command', 'execProbe.workers'] as const;

const fieldRules: readonly FieldRule[] = [
  {
    paths: ['batchSize'],
    noEffect: (s) => (s.batchSize > s.pods ? `at ${s.batchSize}, above pods ${s.pods} (every batch is the cycle's ${s.pods} pods)` : undefined),
    instead: 'Set batchSize to at most pods.',
  },
  {
    paths: ['concurrency'],
    noEffect: (s) =>
      s.concurrency > s.batchSize
        ? `at ${s.concurrency}, above batchSize ${s.batchSize} (a batch finishes before the next starts, so at most batchSize calls are in flight)`
        : undefined,
    instead: 'Set concurrency to at most batchSize.',
  },
  {
    paths: ['workload.delaySeconds'],
    noEffect: (s) =>
      s.workload.onSigterm !== 'delay'
        ? `with workload.onSigterm "${s.workload.onSigterm}" (the workload waits delaySeconds only with onSigterm "delay")`
        : undefined,
    instead: 'Set workload.onSigterm: delay (allowed: exit, ignore, delay), or remove workload.delaySeconds.',
  },
  {
    paths: probeDetailPaths,
    noEffect: (s) => (s.execProbe.enabled ? undefined : 'with execProbe.enabled false (no probes run)'),
    instead: 'Remove execProbe.enabled: false to run the probes (a written execProbe block turns them on), or remove the other execProbe fields.',
  },
  {
    paths: ['execProbe.workers'],
    noEffect: (s) =>
      s.target.type === 'kube'
        ? "on a kube target (kubelet runs one liveness and one readiness exec probe per pod; workers sets the CRI target's probe loops)"
        : undefined,
    instead: 'Remove execProbe.workers, or use target.type: cri.',
  },
  {
    paths: ['runtime.logLevel', 'runtime.restrictOomScoreAdj'],
    noEffect: (s) => {
      if (s.target.type === 'kube')
        return "on a kube target (they configure the containerd podchurn starts for a cri target; a cluster node's containerd is configured by its provider)";
      if (s.target.endpoint) return 'with target.endpoint (podchurn starts no containerd then; the runtime at the endpoint keeps its own configuration)';
      return undefined;
    },
    instead: 'Remove the field; on a kind or local cluster, containerd settings go in cluster.containerdConfigPatches.',
  },
  {
    paths: ['runtime.containerd', 'runtime.runc'],
    noEffect: (s) => {
      if (s.target.type === 'cri' && s.target.endpoint)
        return 'with target.endpoint (podchurn starts no containerd then; the endpoint runs whatever binaries it runs)';
      if (s.target.type === 'kube' && !s.cluster) return "on a kube target without a cluster block (podchurn uses the kubeconfig's cluster as it is)";
      if (s.cluster?.provider === 'existing') return 'with cluster.provider "existing" (podchurn cannot change the runtime of a cluster it did not make)';
      return undefined;
    },
    instead: 'Remove the pin, or let podchurn run it: target.type cri without endpoint, or a cluster with provider local or kind.',
  },
  {
    paths: ['cluster.kubernetes', 'cluster.containerdConfigPatches', 'cluster.config', 'cluster.nodeImage', 'cluster.keep'],
    noEffect: (s) =>
      s.cluster?.provider === 'existing'
        ? 'with cluster.provider "existing" (podchurn attaches to that cluster as it is: it never creates, changes or removes it)'
        : undefined,
    instead: 'Remove the field, or use cluster.provider local or kind (allowed: local, kind, existing).',
  },
  {
    paths: ['cluster.config', 'cluster.nodeImage'],
    noEffect: (s) =>
      s.cluster?.provider === 'local'
        ? 'with cluster.provider "local" (a local cluster runs from processes on this host: no kind config, no node image)'
        : undefined,
    instead: 'Remove the field, or use cluster.provider: kind.',
  },
  {
    paths: ['cluster.kubernetes'],
    noEffect: (s) =>
      s.cluster?.provider === 'kind' && s.cluster.nodeImage && !s.cluster.nodeImageBuild
        ? `with cluster.nodeImage ${s.cluster.nodeImage} and no nodeImageBuild (the node image decides the Kubernetes version)`
        : undefined,
    instead: 'Remove cluster.kubernetes, or remove cluster.nodeImage so podchurn picks the image for that version.',
  },
  {
    paths: ['gracePeriodSeconds'],
    noEffect: (s) =>
      s.target.type === 'kube' && s.target.kube?.deleteGracePeriodSeconds !== undefined
        ? `on deletion when target.kube.deleteGracePeriodSeconds (${s.target.kube.deleteGracePeriodSeconds}) is set: the DELETE carries that grace, and gracePeriodSeconds is only the pods' terminationGracePeriodSeconds`
        : undefined,
    instead: 'Vary target.kube.deleteGracePeriodSeconds instead, or remove it so gracePeriodSeconds is the deletion grace.',
    axisOnly: true,
  },
  {
    paths: ['target.kube.kubeconfig', 'target.kube.context'],
    noEffect: (s) =>
      s.cluster && s.cluster.provider !== 'existing'
        ? `with cluster.provider "${s.cluster.provider}" (podchurn uses the kubeconfig of the cluster it brings up)`
        : undefined,
    instead: "Remove the field, or use cluster.provider: existing to attach to that kubeconfig's cluster.",
  },
];

/** A value check that is about the cell as a whole, not about one field being ignored. */
function cellValueProblem(settings: CellSettings, written: ReadonlySet<string>): string | undefined {
  const { execProbe } = settings;
  if (settings.target.type === 'kube' && execProbe.enabled && written.has('execProbe.periodMs') && execProbe.periodMs % 1000 !== 0) {
    return `execProbe.periodMs ${execProbe.periodMs} cannot be honoured on a kube target: a Kubernetes probe period (periodSeconds) is whole seconds. Use a multiple of 1000.`;
  }
  return runtimeStepProblem(settings);
}

/** A runtime step replaces the containerd podchurn started: there must be one, and a cycle for it to happen in. */
function runtimeStepProblem(settings: CellSettings): string | undefined {
  const step = settings.runtimeStep;
  if (!step) return undefined;
  if (settings.target.type === 'kube') {
    return 'runtimeStep replaces the containerd podchurn starts for a cri target; on a kube target the node runtime belongs to the cluster, and an in-place step there is not supported. Remove runtimeStep, or use target.type: cri.';
  }
  if (settings.target.endpoint) {
    return 'runtimeStep cannot be honoured with target.endpoint: podchurn did not start that runtime and cannot replace it. Remove target.endpoint (podchurn then starts runtime.containerd and replaces it), or remove runtimeStep.';
  }
  if (step.afterCycleHold > settings.cycles) {
    return `runtimeStep.afterCycleHold ${step.afterCycleHold} is after the last cycle (cycles ${settings.cycles}), so the step would never happen. Set afterCycleHold to at most cycles.`;
  }
  return undefined;
}

/** Dotted paths of every leaf the user wrote: scalars and lists; an empty block has none. */
export function writtenLeafPaths(raw: PlainObject, prefix = ''): string[] {
  return Object.entries(raw).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isPlainObject(value) ? writtenLeafPaths(value, path) : [path];
  });
}

/** What the user wrote: the scenario document after --set, before defaults, and the --set assignments. */
export interface WrittenScenario {
  raw: PlainObject;
  overrides: readonly string[];
}

/** The field paths the --set assignments wrote (left of "="). */
function overridePaths(overrides: readonly string[]): string[] {
  return overrides.flatMap((assignment) => {
    const separator = assignment.indexOf('=');
    return separator > 0 ? [assignment.slice(0, separator).trim()] : [];
  });
}

const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

/**
 * A field written and also a matrix axis: the axis values replace it in every cell. That is refused
 * when both come from the same place (the file, or --set) and when a --set value would lose to the
 * file's axis; a matrix given with --set may replace a value the file wrote (the later source wins,
 * as --set always does).
 */
function refuseShadowedByAxis(file: string, writtenPaths: ReadonlySet<string>, axisPaths: readonly string[], overrides: readonly string[]): void {
  const setPaths = overridePaths(overrides);
  const fromSet = (path: string) => setPaths.find((setPath) => isUnder(path, setPath));
  for (const axis of axisPaths) {
    if (!writtenPaths.has(axis)) continue;
    const axisAssignment = setPaths.find((setPath) => setPath === 'matrix' || setPath === `matrix.${axis}`);
    const valueAssignment = fromSet(axis);
    if (axisAssignment && !valueAssignment) continue;
    if (valueAssignment && !axisAssignment) {
      throw new InputError(
        `${file}: --set ${valueAssignment}=...: ${axis} is a matrix axis of the scenario, whose values replace it in every cell. Change the axis instead: --set 'matrix={${axis}: [...]}' replaces the whole matrix (matrix.<field> works for fields without a dot).`,
      );
    }
    throw new InputError(
      `${file}: ${axis} is written and is also a matrix axis, whose values replace it in every cell. Remove ${axis} (the axis supplies it), or the axis.`,
    );
  }
}

/**
 * Refuses, with an InputError (exit 2), the first written key or matrix axis that would have no
 * effect.
 */
export function refuseIneffectiveSettings(file: string, written: WrittenScenario, axisPaths: readonly string[], cells: readonly HonestyCell[]): void {
  const { matrix: _matrix, ...fields } = written.raw;
  const writtenPaths = new Set(writtenLeafPaths(fields));
  refuseShadowedByAxis(file, writtenPaths, axisPaths, written.overrides);
  for (const rule of fieldRules) {
    for (const path of rule.paths) {
      if (axisPaths.includes(path)) {
        for (const cell of cells) {
          const reason = rule.noEffect(cell.settings);
          if (reason) {
            throw new InputError(
              `${file}: matrix.${path}: ${path} has no effect in cell "${cell.name}" ${reason}, so cells that differ only in it would be the same run. ${rule.instead}`,
            );
          }
        }
      } else if (writtenPaths.has(path) && !rule.axisOnly) {
        const reasons = cells.map((cell) => rule.noEffect(cell.settings));
        const reason = reasons[0];
        if (reason && reasons.every(Boolean)) throw new InputError(`${file}: ${path} has no effect ${reason}. ${rule.instead}`);
      }
    }
  }
  const allWritten = new Set([...writtenPaths, ...axisPaths]);
  for (const cell of cells) {
    const problem = cellValueProblem(cell.settings, allWritten);
    if (problem) throw new InputError(`${file}: ${cells.length > 1 ? `cell "${cell.name}": ` : ''}${problem}`);
  }
  if (writtenPaths.has('gates.maxStateMismatch') && cells.every((cell) => cell.settings.target.type === 'kube')) {
    throw new InputError(
      `${file}: gates.maxStateMismatch has no effect on a kube target: state-mismatch (a lost exit) is found by the cri target's pid check, and a kube run never reports one. Remove it; gates.maxStuck limits pods not gone in time.`,
    );
  }
}
