import pLimit from 'p-limit';
import type { CellSettings } from '../scenario/schema.js';
import type { ChurnTarget, PodPlan } from './churn-target.js';
import { sleep } from '../util/clock.js';
import { chunk } from './batches.js';

export interface ChurnPlan {
  runId: string;
  scenario: string;
  cellId: string;
  /** 1-based index of this repetition of the cell. */
  rep: number;
  settings: CellSettings;
}

export const LABEL_PREFIX = 'podchurn.io';
export const RUN_LABEL = `${LABEL_PREFIX}/run`;
export const POD_LABEL = `${LABEL_PREFIX}/pod`;

/** A pod name is a DNS label (63 characters at most) and doubles as a label value. */
const MAX_POD_NAME = 63;

/**
 * `<scenario>-c<cell>-r<rep>-y<cycle>-<replica>`: the identity tail is kept whole and the scenario
 * name shortened to make room, so names stay unique within a run for any valid scenario name.
 */
export function podName(scenario: string, cellNumber: string, rep: number, cycle: number, replica: number): string {
  const tail = `-c${cellNumber}-r${rep}-y${cycle}-${String(replica).padStart(4, '0')}`;
  return `${scenario.slice(0, Math.max(1, MAX_POD_NAME - tail.length))}${tail}`;
}

/** Pods of one cycle, each labelled with run, cell, repetition, cycle and replica. */
export function planPods(plan: ChurnPlan, cycle: number): PodPlan[] {
  const cellNumber = plan.cellId.replace(/^cell-/, '');
  return Array.from({ length: plan.settings.pods }, (_, replica) => {
    const pod = podName(plan.scenario, cellNumber, plan.rep, cycle, replica);
    return {
      pod,
      uid: `${plan.runId}-${pod}`,
      cell: plan.cellId,
      rep: plan.rep,
      cycle,
      replica,
      labels: {
        [RUN_LABEL]: plan.runId,
        [POD_LABEL]: pod,
        [`${LABEL_PREFIX}/cell`]: plan.cellId,
        [`${LABEL_PREFIX}/rep`]: String(plan.rep),
        [`${LABEL_PREFIX}/cycle`]: String(cycle),
        [`${LABEL_PREFIX}/replica`]: String(replica),
      },
    };
  });
}

/**
 * Runs one repetition of one cell: for every cycle, create the pods batch by batch, hold, then
 * delete them batch by batch. A batch starts when the previous one has finished and at least
 * batchIntervalSeconds after it started; within a batch at most `concurrency` calls are in flight.
 * The engine never prints and never throws for a pod: the target records every outcome as events.
 */
export async function runChurn(plan: ChurnPlan, target: ChurnTarget, signal: AbortSignal): Promise<void> {
  const { settings } = plan;
  const limit = pLimit(settings.concurrency);
  const inBatches = async (pods: PodPlan[], action: (pod: PodPlan) => Promise<void>) => {
    for (const batch of chunk(pods, settings.batchSize)) {
      if (signal.aborted) return;
      const started = performance.now();
      await Promise.all(batch.map((pod) => limit(() => (signal.aborted ? undefined : action(pod)))));
      await sleep(settings.batchIntervalSeconds * 1000 - (performance.now() - started), signal);
    }
  };
  for (let cycle = 1; cycle <= settings.cycles && !signal.aborted; cycle++) {
    const pods = planPods(plan, cycle);
    target.beginPhase?.('create');
    await inBatches(pods, (pod) => target.createPod(pod, signal));
    await sleep(settings.holdSeconds * 1000, signal);
    if (signal.aborted) return;
    await target.afterHold?.(cycle, signal);
    if (signal.aborted) return;
    target.beginPhase?.('delete');
    await inBatches(pods, (pod) => target.deletePod(pod, signal));
    await target.afterDeletes?.(cycle, signal);
  }
}
