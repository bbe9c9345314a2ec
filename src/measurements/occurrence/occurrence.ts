import { InputError } from '../../errors.js';
import { outcomes, type Outcome } from '../../results/pod-record.js';
import type { CellSummary } from '../../results/summary.js';

/**
 * "Did this cell show the behaviour?" as Bernoulli trials: each pod is one trial, and a pod counts as an
 * occurrence by one named measure of its cell summary. The bug library, the suite and bisect all count
 * occurrences this way, so a bug's controls and a bisect step are measured alike.
 *
 * Measures: `outcome:<outcome>` (pods with that outcome, e.g. `outcome:stuck`), `stateMismatch` (stops after
 * which CRI said RUNNING with the task process gone, whatever the pod's outcome), `signature:<id>` (log lines
 * of that signature, at most one per pod), `criError:<phase:code>` (failed CRI calls of that kind, at most one
 * per pod), `lostExit` (stops after which no exit event ever arrived and the task process was gone: the lost
 * exit itself, which a state mismatch on a loaded host cannot tell from an exit event that came late),
 * `sandboxNotRemoved` (pods whose sandbox the runtime refused to stop or remove, CRI: the sandbox, and its
 * network namespace, stay on the node), `ipLeaked` (pods whose sandbox's IP the CNI IPAM still held after the
 * sandbox was gone: its CNI DEL never ran), `processLeft` (pods whose container's cgroup still held processes after the
 * pod was gone), `stopIgnored` (pods whose container ran on after a StopContainer sent during its start returned OK).
 */
export type OccurrenceMeasure =
  | { kind: 'outcome'; outcome: Outcome }
  | { kind: 'stateMismatch' }
  | { kind: 'signature'; id: string }
  | { kind: 'criError'; key: string }
  | { kind: 'lostExit' }
  | { kind: 'sandboxNotRemoved' }
  | { kind: 'ipLeaked' }
  | { kind: 'processLeft' }
  | { kind: 'stopIgnored' };

export interface OccurrenceCount {
  trials: number;
  occurrences: number;
}

export function parseOccurrenceMeasure(text: string): OccurrenceMeasure {
  if (text === 'stateMismatch') return { kind: 'stateMismatch' };
  if (text === 'lostExit') return { kind: 'lostExit' };
  if (text === 'sandboxNotRemoved') return { kind: 'sandboxNotRemoved' };
  if (text === 'ipLeaked') return { kind: 'ipLeaked' };
  if (text === 'processLeft') return { kind: 'processLeft' };
  if (text === 'stopIgnored') return { kind: 'stopIgnored' };
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if (kind === 'outcome' && (outcomes as readonly string[]).includes(value)) return { kind: 'outcome', outcome: value as Outcome };
  if (kind === 'signature' && value !== '') return { kind: 'signature', id: value };
  if (kind === 'criError' && /^[a-z]+:[A-Z_]+$/.test(value)) return { kind: 'criError', key: value };
  throw new InputError(
    `unknown occurrence measure ${JSON.stringify(text)}: use stateMismatch, outcome:<${outcomes.join('|')}>, signature:<id>, ` +
      'criError:<phase:CODE>, lostExit, sandboxNotRemoved, ipLeaked, processLeft or stopIgnored',
  );
}

export function describeOccurrenceMeasure(measure: OccurrenceMeasure): string {
  switch (measure.kind) {
    case 'outcome':
      return `outcome:${measure.outcome}`;
    case 'stateMismatch':
      return 'stateMismatch';
    case 'signature':
      return `signature:${measure.id}`;
    case 'criError':
      return `criError:${measure.key}`;
    case 'lostExit':
      return 'lostExit';
    case 'sandboxNotRemoved':
      return 'sandboxNotRemoved';
    case 'ipLeaked':
      return 'ipLeaked';
    case 'processLeft':
      return 'processLeft';
    case 'stopIgnored':
      return 'stopIgnored';
  }
}

/** Trials and occurrences of `measure` in one cell; several cells (repetitions, cycles) add up. */
export function countOccurrences(cells: readonly CellSummary[], measure: OccurrenceMeasure): OccurrenceCount {
  let trials = 0;
  let occurrences = 0;
  for (const cell of cells) {
    trials += cell.podCount;
    occurrences += Math.min(cell.podCount, rawCount(cell, measure));
  }
  return { trials, occurrences };
}

function rawCount(cell: CellSummary, measure: OccurrenceMeasure): number {
  switch (measure.kind) {
    case 'outcome':
      return cell.outcomes[measure.outcome] ?? 0;
    case 'stateMismatch':
      // per1000Stops keeps the rate; the count is the rate times the stops it was taken over.
      return Math.round((cell.per1000Stops.stateMismatch * cell.per1000Stops.stops) / 1000);
    case 'signature':
      return cell.signatures[measure.id] ?? 0;
    case 'criError':
      return cell.criErrors[measure.key] ?? 0;
    case 'lostExit':
      // Without the runtime's exit events every stop would look like a lost exit, and zero would claim too much.
      if (cell.stopWaterfall?.exitEvents !== 'streamed') {
        throw new InputError(`cell ${cell.cell} has no exit events from its runtime (no stop waterfall): lostExit cannot be counted there; use stateMismatch.`);
      }
      return cell.stopWaterfall.lostExits;
    case 'sandboxNotRemoved':
      return countedSince(cell, measure.kind, 'sandboxesNotRemoved');
    case 'ipLeaked':
      return countedSince(cell, measure.kind, 'ipsLeaked');
    case 'processLeft':
      return countedSince(cell, measure.kind, 'processesLeft');
    case 'stopIgnored':
      return countedSince(cell, measure.kind, 'stopsIgnored');
  }
}

/** Cell counts that summaries of older podchurn versions do not have. */
type LaterCount = 'sandboxesNotRemoved' | 'ipsLeaked' | 'processesLeft' | 'stopsIgnored';

/** A count a cell summary carries since some version: missing means not counted, and zero would claim none happened. */
function countedSince(cell: CellSummary, measure: string, field: LaterCount): number {
  const count = cell[field];
  if (count === undefined) {
    throw new InputError(`cell ${cell.cell} predates the ${measure} count (its summary has no ${field}): 'podchurn report <run directory>' analyses it again.`);
  }
  return count;
}
