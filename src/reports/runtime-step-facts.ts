import type { CellSummary, RunSummary } from '../results/summary.js';
import { formatMs } from './format.js';

/** The figures of a runtime step every report states alike: pods per measured shim and side of the step, and what the step did to pending deletions. */
export const runtimeStepSentence =
  'Pods created before and after the runtime step, by the shim version measured from each pod\'s shim process ("unmeasured" where the ' +
  'target cannot see it), and the pods whose deletion was under way when the step began: whether they went on their own once the new ' +
  "daemon answered (recovered, with the time from the step's end) or cleanup had to force them.";

export const shimGroupHeaders = ['cell', 'created', 'shim', 'pods', 'stops', 'stuck', 'state mismatch'];
export const stepRecoveryHeaders = ['cell', 'steps', 'pending at the step', 'of them already stuck', 'recovered', 'forced', 'recovery p50', 'recovery max'];

/** Cells that ran a runtime step (every CRI cell on a managed containerd has shim groups; only a step splits them before/after). */
export const runtimeStepCells = (summary: RunSummary): CellSummary[] =>
  summary.cells.filter((c) => c.stepRecovery !== undefined || (c.byShim ?? []).some((g) => g.createdRelativeToStep !== undefined));

/** Plain text rows; the renderer escapes. */
export function shimGroupRows(summary: RunSummary): string[][] {
  return runtimeStepCells(summary).flatMap((c) =>
    (c.byShim ?? []).map((g) => [
      c.cell,
      g.createdRelativeToStep ?? '-',
      g.shimVersion,
      String(g.pods),
      String(g.stops),
      String(g.stuck),
      String(g.stateMismatch),
    ]),
  );
}

export function stepRecoveryRows(summary: RunSummary): string[][] {
  return runtimeStepCells(summary).flatMap((c) => {
    const r = c.stepRecovery;
    if (!r) return [];
    const counts = [r.steps, r.pendingAtStep, r.stuckAtStep, r.recovered, r.forced].map(String);
    return [[c.cell, ...counts, formatMs(r.recoveryMs?.p50), formatMs(r.recoveryMs?.max)]];
  });
}

/** One line per cell with a step, for the terminal: the shims on each side and what became of the pending deletions. */
export function runtimeStepLines(summary: RunSummary): string[] {
  return runtimeStepCells(summary).map((c) => {
    const shims = (c.byShim ?? []).map((g) => `${g.createdRelativeToStep ?? 'pods'} ${g.shimVersion}: ${g.pods} pods, ${g.stuck} stuck`);
    const r = c.stepRecovery;
    const recovery = r
      ? `; pending at the step ${r.pendingAtStep} (${r.stuckAtStep} stuck), ` +
        `recovered ${r.recovered} (p50 ${formatMs(r.recoveryMs?.p50)} ms), forced ${r.forced}`
      : '';
    return `Runtime step ${c.cell}: ${shims.join('; ') || 'no shim measured'}${recovery}`;
  });
}
