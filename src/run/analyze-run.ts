import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PodRecordFold, type OutcomeLimits } from '../measurements/pod-lifecycle/pod-records.js';
import { primaryLatency } from '../measurements/pod-lifecycle/primary-latency.js';
import { targetDriver } from '../targets/registry.js';
import { summarizeCell } from '../measurements/pod-lifecycle/summarize.js';
import { measuresTarget, type CellEvidence } from '../measurements/measurement.js';
import { cellMeasurements } from '../measurements/registry.js';
import { isPodEvent, type PodEvent, type RecordedEvent, type RunEvent } from '../engine/events.js';
import { ExitCode } from '../errors.js';
import { attributeAndCorrelate, countBySignature, scanLog } from '../measurements/log-signatures/log-scan.js';
import type { RunAnalysis } from '../results/run-analysis.js';
import { writeReports } from '../reports/write-reports.js';
import { readEventFile } from '../results/event-reader.js';
import { runFiles, type RunDirectory } from '../results/run-directory.js';
import { SUMMARY_SCHEMA_VERSION, measurementDefinitions, type CellSummary, type LeakCheck, type RunStatus, type RunSummary } from '../results/summary.js';
import { parseScenario } from '../scenario/load.js';
import { expandMatrix } from '../scenario/matrix.js';
import { effectiveGraceSeconds, type CellSettings } from '../scenario/schema.js';
import type { Stamp } from '../util/clock.js';
import type { EnvironmentRecord } from '../results/environment.js';

const severityRank = { error: 0, warning: 1, info: 2 } as const;

/**
 * Derives everything a report shows from the run directory alone (scenario.yaml, events.jsonl,
 * environment.json, logs/), so a run can be re-rendered or re-analysed with a newer catalog later.
 */
export function analyzeRun(dir: RunDirectory): RunAnalysis {
  const { scenario } = parseScenario(dir.readText('scenario'), dir.file('scenario'));
  const cells = expandMatrix(scenario, dir.file('scenario'));
  // Streamed: each pod event is folded into its record as it is read, never all held at once.
  const fold = new PodRecordFold();
  const runEvents: RunEvent[] = [];
  const evidence: PodEvent[] = [];
  let firstEvent: RecordedEvent | undefined;
  let lastEvent: RecordedEvent | undefined;
  readEventFile(dir.file('events'), (event) => {
    firstEvent ??= event;
    lastEvent = event;
    if (!isPodEvent(event)) runEvents.push(event);
    else {
      fold.add(event);
      if (event.kind === 'evidence') evidence.push(event);
    }
  });
  const environment = JSON.parse(dir.readText('environment')) as EnvironmentRecord;
  const cleanups = runEvents.filter((e) => e.kind === 'cleanup');
  const forced = cleanups.flatMap((e) => (e.data?.forced ?? []) as { pod: string; object: string }[]);
  const leakCheck = checkLeaks(
    cleanups,
    runEvents.filter((e) => e.kind === 'runtime-teardown' || e.kind === 'cluster-teardown'),
    forced,
  );
  const leaked = leakCheck.leaked;
  const limitsByCell = new Map(cells.map((c) => [c.id, outcomeLimits(c.settings)]));
  const primary = primaryLatency(targetDriver(scenario.target.type).primaryLatency);
  const records = fold.finish(
    primary,
    (cell) => limitsByCell.get(cell) ?? { gracePeriodSeconds: 0, slackSeconds: 0, requestTimeoutSeconds: 0 },
    new Set(forced.map((f) => f.pod)),
  );
  const runtimeLogs = readRuntimeLogs(dir);
  const findings = attributeAndCorrelate(
    runtimeLogs.flatMap(({ name, text }) => scanLog(text, `${runFiles.logs}/${name}`)),
    records,
  );
  const measurements = cellMeasurements.filter((measurement) => measuresTarget(measurement, scenario.target.type));
  const runtimeLogTexts = runtimeLogs.map((log) => log.text);
  for (const measurement of measurements) measurement.readRuntimeLogs?.(records, runtimeLogTexts);
  const cellSummaries = cells.map((cell) => {
    const cellRecords = records.filter((r) => r.cell === cell.id);
    const runtime = environment.runtimes.find((r) => r.cells.includes(cell.id));
    const evidence: CellEvidence = { cellId: cell.id, records: cellRecords, runEvents, runtime };
    const lifecycle = summarizeCell(cell, scenario.repetitions, measuredVersionsOf(environment, cell.id), cellRecords, findings, scenario.gates);
    const summary: CellSummary = lifecycle;
    for (const measurement of measurements) Object.assign(summary, measurement.summarize(evidence));
    return summary;
  });
  const end = runEvents.findLast((e) => e.kind === 'run-end');
  const start = runEvents.find((e) => e.kind === 'run-start');
  const status = (end?.data?.status as RunStatus | undefined) ?? (runEvents.some((e) => e.kind === 'interrupted') ? 'interrupted' : 'infrastructure-error');
  const gatesPassed = cellSummaries.every((c) => c.gates.every((g) => g.passed)) && leaked.length === 0;
  const exitCode =
    status === 'interrupted'
      ? ExitCode.interrupted
      : status === 'infrastructure-error'
        ? ExitCode.infrastructure
        : gatesPassed
          ? ExitCode.ok
          : ExitCode.gateFailed;
  const summary: RunSummary = {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    kind: 'podchurn-run-summary',
    runId: String(start?.data?.runId ?? dir.path.split('/').pop()),
    scenario: scenario.metadata.name,
    scenarioFile: String(start?.data?.scenarioFile ?? runFiles.scenario),
    target: scenario.target.type,
    status,
    startedAt: new Date(start?.wall ?? firstEvent?.wall ?? 0).toISOString(),
    finishedAt: new Date(end?.wall ?? lastEvent?.wall ?? 0).toISOString(),
    durationMs: Math.round((end?.mono ?? lastEvent?.mono ?? 0) - (start?.mono ?? 0)),
    measurement: measurementDefinitions,
    primaryLatency: { name: primary.name, definition: primary.definition },
    cells: cellSummaries,
    watchGaps: summarizeWatchGaps(runEvents),
    unattributedSignatures: countBySignature(findings.filter((f) => !f.cell)),
    topFindings: [...findings]
      .filter((f) => !f.benign)
      .sort((a, b) => severityRank[a.severity] - severityRank[b.severity])
      .slice(0, 20),
    leakCheck,
    ignoredConfigKeys: (environment.providedClusters ?? []).flatMap((c) => c.ignoredConfigKeys.map((key) => ({ cluster: c.name, key, cells: c.cells }))),
    stuckEvidence: evidence
      .filter((e) => typeof e.data?.dir === 'string')
      .map((e) => ({ cell: e.cell, pod: e.pod, dir: relative(dir.path, String(e.data!.dir)) })),
    gatesPassed,
    exitCode,
    ...(end?.data?.error ? { error: String(end.data.error) } : {}),
  };
  return { summary, records, findings };
}

function summarizeWatchGaps(runEvents: readonly RunEvent[]): RunSummary['watchGaps'] {
  const gaps = runEvents.filter((e) => e.kind === 'watch-gap');
  return {
    count: gaps.length,
    inferredDeletions: gaps.reduce((n, g) => n + Number(g.data?.inferredDeletions ?? 0), 0),
    totalMs: Math.round(gaps.reduce((ms, g) => ms + Math.max(0, monoOf(g.data?.to) - monoOf(g.data?.from)), 0)),
  };
}

const monoOf = (stamp: unknown) => Number((stamp as Stamp | undefined)?.mono ?? 0);

/** The thresholds that classify a cell's pods, from the grace period its deletions were sent with. */
function outcomeLimits(settings: CellSettings): OutcomeLimits {
  return { gracePeriodSeconds: effectiveGraceSeconds(settings), slackSeconds: settings.slackSeconds, requestTimeoutSeconds: settings.requestTimeoutSeconds };
}

/**
 * Leftovers of a managed runtime whose teardown succeeded went with it; anything else is a leak,
 * and so is whatever a cluster teardown could not remove.
 */
export function checkLeaks(cleanups: RunEvent[], teardowns: RunEvent[], forced: LeakCheck['forced']): LeakCheck {
  const cleanRuntimes = new Set(
    teardowns.filter((t) => t.data?.managed === true && ((t.data.unmountFailures ?? []) as string[]).length === 0).map((t) => String(t.data?.runtime)),
  );
  const leftInRuntime: string[] = [];
  const leaked: string[] = teardowns.flatMap((t) =>
    t.kind === 'cluster-teardown'
      ? ((t.data?.leftovers ?? []) as string[]).map((m) => `cluster ${String(t.data?.name)}: ${m}`)
      : ((t.data?.unmountFailures ?? []) as string[]).map((m) => `${String(t.data?.runtime)}: ${m}`),
  );
  let removedWithRuntime = 0;
  const seen = new Set<string>();
  for (const cleanup of cleanups) {
    // An object a later cleanup of the same runtime lists again is the same leftover (see `forced` above).
    const leftovers = ((cleanup.data?.leftovers ?? []) as string[]).filter((item) => {
      const key = `${String(cleanup.data?.runtime)} ${leftoverObject(item)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    leftInRuntime.push(...leftovers);
    if (cleanRuntimes.has(String(cleanup.data?.runtime))) removedWithRuntime += leftovers.length;
    else leaked.push(...leftovers);
  }
  const removedAtTeardown = teardowns.flatMap((t) => [
    ...((t.data?.removedNetworkNamespaces ?? []) as string[]).map((path) => `network namespace ${path}`),
    ...((t.data?.removedNetworkObjects ?? []) as string[]),
    // Container processes that outlived their pods and shims (a runc init a cancelled start left): gone only because the teardown killed them.
    ...(Number(t.data?.killedProcesses ?? 0) > 0 ? [`${t.data?.killedProcesses} container processes (killed) of runtime ${t.data?.runtime}`] : []),
  ]);
  // Every repetition's cleanup lists all of the run's objects, so one the runtime kept is forced again by each later one: once each.
  const forcedOnce = [...new Map(forced.map((f) => [f.object, f])).values()];
  return { forced: forcedOnce, leftInRuntime, removedWithRuntime, removedAtTeardown, leaked };
}

/** The object a leftover line names (`sandbox/<id>`, `container/<id>`, `ip/<address>`, as the CRI target writes them); else the whole line. */
function leftoverObject(item: string): string {
  return /^(sandbox|container|ip)\/[0-9a-f.]+ /.exec(item)?.[0] ?? item;
}

/** The versions a cell really ran on: its managed runtime's binaries, or its cluster node's. */
function measuredVersionsOf(environment: EnvironmentRecord, cellId: string) {
  const runtime = environment.runtimes.find((r) => r.cells.includes(cellId));
  if (runtime) {
    return {
      containerd: runtime.measured?.containerd ?? runtime.cri.runtimeVersion,
      runc: runtime.measured?.runc ?? 'unknown',
      criRuntimeVersion: `${runtime.cri.runtimeName} ${runtime.cri.runtimeVersion}`,
    };
  }
  const node = environment.providedClusters?.find((c) => c.cells.includes(cellId))?.nodes[0];
  // On a cluster podchurn does not run, its node agent (target.kube.nodeAgent) is what measured containerd.
  const agentNode = environment.clusters?.find((c) => c.cells.includes(cellId))?.nodeAgent?.nodes[0];
  return {
    containerd: node?.containerd ?? agentNode?.containerd ?? node?.containerRuntimeVersion ?? 'not run',
    runc: node?.runc ?? 'unknown',
    criRuntimeVersion: node?.containerRuntimeVersion ?? 'not run',
  };
}

/** The runtime logs the run copied to the top of logs/ (managed containerds, cluster nodes' containerd), by name. */
function readRuntimeLogs(dir: RunDirectory): { name: string; text: string }[] {
  const logsDir = dir.file('logs');
  return readdirSync(logsDir)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => ({ name, text: readFileSync(`${logsDir}/${name}`, 'utf8') }));
}

export function writeAnalysis(dir: RunDirectory, analysis: RunAnalysis): void {
  dir.writeText('findings', analysis.findings.map((f) => JSON.stringify(f)).join('\n') + (analysis.findings.length ? '\n' : ''));
  dir.writeJson('summary', analysis.summary);
  writeReports(dir, analysis);
}
