import type { Gates } from '../../scenario/schema.js';
import type { LatencyStats } from '../../stats/percentiles.js';
import type { Outcome } from './pod-records.js';

export interface GateResult {
  gate: keyof Gates;
  limit: number;
  /** null when there was nothing to measure (e.g. no stop completed): such a gate fails. */
  measured: number | null;
  passed: boolean;
}

interface GateInputs {
  outcomes: Record<Outcome, number>;
  stopLatencyMs: LatencyStats | null;
}

const measures: Record<keyof Gates, (inputs: GateInputs) => number | null> = {
  maxStuck: (i) => i.outcomes.stuck,
  maxStateMismatch: (i) => i.outcomes['state-mismatch'],
  maxStopErrors: (i) => i.outcomes['stop-error'],
  maxInfraErrors: (i) => i.outcomes['infra-error'],
  maxSlow: (i) => i.outcomes.slow,
  maxP50StopMs: (i) => i.stopLatencyMs?.p50 ?? null,
  maxP99StopMs: (i) => i.stopLatencyMs?.p99 ?? null,
};

export function evaluateGates(gates: Gates, inputs: GateInputs): GateResult[] {
  return (Object.entries(gates) as [keyof Gates, number | undefined][])
    .filter((entry): entry is [keyof Gates, number] => entry[1] !== undefined)
    .map(([gate, limit]) => {
      const measured = measures[gate](inputs);
      return { gate, limit, measured, passed: measured !== null && measured <= limit };
    });
}
