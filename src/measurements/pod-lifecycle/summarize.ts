import type { Finding } from '../../results/finding.js';
import { countBySignature } from '../log-signatures/log-scan.js';
import type { Cell } from '../../scenario/matrix.js';
import { effectiveGraceSeconds, type Gates } from '../../scenario/schema.js';
import type { CellSummary, ShimGroup } from '../../results/summary.js';
import { evaluateGates } from './gates.js';
import { latencyStats } from '../../stats/percentiles.js';
import { outcomes, type Outcome, type PodRecord } from '../../results/pod-record.js';

function tally(values: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

export function summarizeCell(
  cell: Cell,
  repetitions: number,
  runtime: CellSummary['runtime'],
  records: readonly PodRecord[],
  findings: readonly Finding[],
  gates: Gates,
): CellSummary {
  const outcomeCounts = Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const record of records) outcomeCounts[record.outcome]++;
  const sampled = (pick: (r: PodRecord) => number | undefined) =>
    latencyStats(
      records.flatMap((r) => {
        const v = pick(r);
        return v === undefined ? [] : [v];
      }),
    );
  const latencyMs = sampled((r) => r.latencyMs);
  const probes: Record<string, number> = {};
  for (const record of records) {
    for (const [probeClass, count] of Object.entries(record.probeCounts)) probes[probeClass] = (probes[probeClass] ?? 0) + count;
  }
  const stops = records.filter((r) => r.phases['delete-sent'] !== undefined).length;
  const perThousand = (count: number) => (stops === 0 ? 0 : Math.round((count / stops) * 1000 * 10) / 10);
  const { settings } = cell;
  return {
    cell: cell.id,
    name: cell.name,
    axes: cell.axes,
    runtime,
    settings: {
      pods: settings.pods,
      cycles: settings.cycles,
      repetitions,
      batchSize: settings.batchSize,
      concurrency: settings.concurrency,
      gracePeriodSeconds: effectiveGraceSeconds(settings),
      requestTimeoutSeconds: settings.requestTimeoutSeconds,
      slackSeconds: settings.slackSeconds,
      onSigterm: settings.workload.onSigterm,
      execProbe: settings.execProbe.enabled,
    },
    podCount: records.length,
    outcomes: outcomeCounts,
    latencyMs,
    latencyExcluded: {
      failedStops: records.filter((r) => r.stopFailure !== undefined).length,
      inferredDeletions: records.filter((r) => r.deletionInferred).length,
    },
    stopLatencyMs: sampled((r) => r.stopLatencyMs),
    deletionLatencyMs: sampled((r) => r.deletionLatencyMs),
    createToRunningMs: sampled((r) => r.createToRunningMs),
    exitCodes: tally(records.flatMap((r) => (r.exitCode === undefined ? [] : [String(r.exitCode)]))),
    criErrors: tally(
      records.flatMap((r) => [
        ...(r.stopFailure ? [`stop:${r.stopFailure.code}`] : []),
        ...r.errors.map((e) => `${e.phase}:${e.code}`),
        ...(r.inspectFailures ?? []).map((code) => `inspect:${code}`),
      ]),
    ),
    probes,
    probeErrorsDuringStop: records.reduce((sum, r) => sum + r.probeErrorsDuringStop, 0),
    signatures: countBySignature(findings.filter((f) => f.cell === cell.id)),
    per1000Stops: {
      stops,
      stuck: perThousand(records.filter((r) => r.stopFailure?.code === 'DEADLINE_EXCEEDED').length),
      stateMismatch: perThousand(records.filter((r) => r.phases['state-mismatch'] !== undefined).length),
    },
    stateUnverified: records.filter((r) => r.phases['state-unverified'] !== undefined).length,
    sandboxesNotRemoved: records.filter((r) => r.phases['sandbox-not-removed'] !== undefined).length,
    ipsLeaked: records.filter((r) => r.phases['ip-leaked'] !== undefined).length,
    processesLeft: records.filter((r) => r.phases['process-left'] !== undefined).length,
    stopsIgnored: records.filter((r) => r.phases['running-after-stop'] !== undefined).length,
    ...shimGroups(records),
    gates: evaluateGates(gates, { outcomes: outcomeCounts, latencyMs }),
  };
}

/** Pods and lost exits per measured shim version (and side of a runtime step); nothing when nothing was measured. */
function shimGroups(records: readonly PodRecord[]): { byShim?: ShimGroup[] } {
  if (!records.some((r) => r.shim !== undefined || r.createdRelativeToStep !== undefined)) return {};
  const groups = new Map<string, ShimGroup>();
  for (const record of records) {
    const shimVersion = record.shim?.version ?? 'unmeasured';
    const key = `${shimVersion}\0${record.createdRelativeToStep ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        shimVersion,
        ...(record.createdRelativeToStep ? { createdRelativeToStep: record.createdRelativeToStep } : {}),
        pods: 0,
        stops: 0,
        stuck: 0,
        stateMismatch: 0,
      };
      groups.set(key, group);
    }
    group.pods++;
    if (record.phases['delete-sent'] !== undefined) group.stops++;
    if (record.stopFailure?.code === 'DEADLINE_EXCEEDED') group.stuck++;
    if (record.phases['state-mismatch'] !== undefined) group.stateMismatch++;
  }
  return { byShim: [...groups.values()] };
}
