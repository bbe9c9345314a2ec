import type { ClusterHandle } from '../../cluster/provider.js';
import type { EventSink } from '../../engine/events.js';
import type { RuntimeStepPlan } from '../../engine/runtime-step.js';
import { InfrastructureError } from '../../errors.js';
import type { CellSettings } from '../../scenario/schema.js';
import type { Clock } from '../../util/clock.js';

export interface NodeRuntimeStep {
  plan: RuntimeStepPlan;
  /**
   * Puts every stepped node back on the cell's own pins once the cell's pods are gone, so the next cell or
   * repetition on this cluster starts where its key says. Nothing to do after a restart on the same pins.
   */
  restore(): Promise<void>;
}

/**
 * The scenario's runtime step on a cluster's nodes: each node's containerd is replaced in place through the
 * provider (running shims left alone), one node after another, each recorded as a `runtime-step` run event.
 */
export function nodeRuntimeStep(
  settings: CellSettings,
  cluster: ClusterHandle | undefined,
  events: EventSink,
  clock: Clock,
  cell: string,
): NodeRuntimeStep | undefined {
  const step = settings.runtimeStep;
  if (!step) return undefined;
  const cellPins = { containerd: settings.runtime.containerd, runc: settings.runtime.runc };
  const to = { containerd: step.containerd ?? cellPins.containerd, runc: step.runc ?? cellPins.runc };
  const stepped: string[] = [];
  const replace = async (pins: typeof to, record: (node: string, result: object, startedAt: ReturnType<Clock['now']>) => void) => {
    if (!cluster?.replaceRuntime)
      throw new InfrastructureError(
        `runtimeStep needs a cluster whose provider can replace a node's runtime (local); this cell runs on ${cluster?.provider ?? 'a kubeconfig'}.`,
      );
    for (const node of await cluster.nodes()) {
      const startedAt = clock.now();
      record(node, await cluster.replaceRuntime(node, pins), startedAt);
    }
  };
  return {
    plan: {
      afterCycleHold: step.afterCycleHold,
      ...(step.duringStopsAfterSeconds === undefined ? {} : { duringStopsAfterMs: step.duringStopsAfterSeconds * 1000 }),
      perform: () =>
        replace(to, (node, result, startedAt) => {
          stepped.push(node);
          events.run('runtime-step', { node, afterCycleHold: step.afterCycleHold, startedAt, ...result }, cell);
        }),
    },
    async restore() {
      if (stepped.length === 0 || (to.containerd === cellPins.containerd && to.runc === cellPins.runc)) return;
      stepped.length = 0;
      await replace(cellPins, (node, result, startedAt) => events.run('runtime-restored', { node, startedAt, ...result }, cell));
    },
  };
}
