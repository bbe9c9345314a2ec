import type { Gates } from '../../scenario/schema.js';
import type { LatencyStats } from '../../stats/percentiles.js';
import type { Outcome } from '../../results/pod-record.js';
import type { GateResult } from '../../results/summary.js';

interface GateInputs {
  outcomes: Record<Outcome, number>;
  /** The run's primary latency (deletion on kube, stop on CRI). */
  latencyMs: LatencyStats | null;
}

const measures: Record<keyof Gates, (inputs: GateInputs) => number | null> = {
  maxStuck: (i) => i.outcomes.stuck,
  maxStateMismatch: (i) => i.outcomes['state-mismatch'],
  maxStopErrors: (i) => i.outcomes['stop-error'],
  maxInfraErrors: (i) => i.outcomes['infra-error'],
  maxSlow: (i) => i.outcomes.slow,
  maxP50Ms: (i) => i.latencyMs?.p50 ?? null,
  maxP95Ms: (i) => i.latencyMs?.p95 ?? null,
  maxP99Ms: (i) => i.latencyMs?.p99 ?? null,
  // The names from before the primary latency: CRI stop latency, which on CRI is the primary one
  // (the scenario loader refuses them on kube targets, where pods have no stop latency).
  maxP50StopMs: (i) => i.latencyMs?.p50 ?? null,
  maxP99StopMs: (i) => i.latencyMs?.p99 ?? null,
};

export function evaluateGates(gates: Gates, inputs: GateInputs): GateResult[] {
  return (Object.entries(gates) as [keyof Gates, number | undefined][])
    .filter((entry): entry is [keyof Gates, number] => entry[1] !== undefined)
    .map(([gate, limit]) => {
      const measured = measures[gate](inputs);
      return { gate, limit, measured, passed: measured !== null && measured <= limit };
    });
}
