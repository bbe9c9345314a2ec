import { setMaxListeners } from 'node:events';
import { stringify as toYaml } from 'yaml';
import { runChurn } from '../engine/churn.js';
import { collectGarbageNow } from '../util/heap.js';
import type { RecordedEvent } from '../engine/events.js';
import { InfrastructureError, InputError, describeCause } from '../errors.js';
import { isRoot } from '../runtime/host.js';
import { EventLog } from '../results/event-log.js';
import { RunDirectory, describeWriteError, newRunId } from '../results/run-directory.js';
import type { RunStatus } from '../results/summary.js';
import { loadScenarioFile } from '../scenario/load.js';
import { expandMatrix, type Cell } from '../scenario/matrix.js';
import { targetDriver, targetScenarioRules } from '../targets/registry.js';
import { measuresTarget, type CellRunContext } from '../measurements/measurement.js';
import { cellMeasurements } from '../measurements/registry.js';
import type { MetricsEndpoint } from '../results/runtime-metrics.js';
import type { SessionContext, TargetDriver, TargetSession } from '../targets/target.js';
import type { ChurnTarget } from '../engine/churn-target.js';
import { monotonicClock } from '../util/clock.js';
import { analyzeRun, writeAnalysis } from './analyze-run.js';
import type { RunAnalysis } from '../results/run-analysis.js';
import { ClusterPool } from './cluster-pool.js';
import type { EnvironmentRecord } from '../results/environment.js';
import { describeHost, podchurnVersion } from './environment.js';

export interface RunRequest {
  scenarioFile: string;
  overrides: string[];
  reportsDir: string;
  /** Aborting this (e.g. on SIGINT) stops the run; cleanup still happens. */
  signal: AbortSignal;
  onEvent?: (event: RecordedEvent) => void;
  onCellStart?: (cell: Cell, rep: number, totalPods: number) => void;
  /** Human-readable notices (e.g. a pinned runtime being built); never machine output. */
  onNotice?: (line: string) => void;
}

export interface RunResult {
  dir: RunDirectory;
  analysis: RunAnalysis;
}

/** Validates the scenario and expands its matrix without touching the host: every input error surfaces here. */
export function planRun(scenarioFile: string, overrides: readonly string[]) {
  const loaded = loadScenarioFile(scenarioFile, overrides);
  const cells = expandMatrix(loaded.scenario, scenarioFile, { written: loaded, rulesFor: targetScenarioRules });
  return { ...loaded, cells };
}

/**
 * Runs every cell x repetition of a scenario, then analyses the run directory. Whatever happens,
 * each runtime's pods are cleaned up, the runtime is stopped, and what was measured is analysed.
 */
export async function runScenario(request: RunRequest): Promise<RunResult> {
  const plan = planRun(request.scenarioFile, request.overrides);
  if (!isRoot() && plan.cells.some((c) => targetDriver(c.settings.target.type).requiresRoot(c.settings))) {
    throw new InputError("podchurn run drives containerd (and a local cluster's kubelet) directly and must run as root (sudo podchurn run ...).");
  }
  const runId = newRunId(plan.scenario.metadata.name);
  const dir = RunDirectory.create(request.reportsDir, runId);
  dir.writeText(
    'scenario',
    `# Resolved by podchurn ${podchurnVersion()} from ${plan.file}${plan.overrides.map((o) => ` --set ${o}`).join('')}\n${toYaml(plan.scenario)}`,
  );
  const environment: EnvironmentRecord = { schemaVersion: 1, podchurnVersion: podchurnVersion(), host: describeHost(), runtimes: [] };
  dir.writeJson('environment', environment);

  const clock = monotonicClock();
  const events = new EventLog(dir.file('events'), clock);
  if (request.onEvent) events.listeners.push(request.onEvent);
  events.run('run-start', { runId, scenarioFile: plan.file, overrides: plan.overrides });

  const runAbort = new AbortController();
  // Every in-flight runtime call listens on this one signal: hundreds at once is expected, not a leak.
  setMaxListeners(0, runAbort.signal);
  // A run directory that stops taking writes (disk full) ends the run like a dead runtime: stop, clean up, exit 3.
  events.onFailure = (error) => runAbort.abort(new InfrastructureError(`cannot write ${events.file}: ${describeWriteError(error)}`, { cause: error }));
  const clusters = new ClusterPool(dir.path, events, request.onNotice ?? (() => undefined), runAbort.signal);
  environment.providedClusters = clusters.records;
  const abortFromCaller = () => runAbort.abort(request.signal.reason);
  request.signal.addEventListener('abort', abortFromCaller, { once: true });
  let status: RunStatus = 'completed';
  let failure: string | undefined;
  let session: TargetSession | undefined;
  let instances = 0;
  // Kept in memory too: if the event log can no longer be written, the error message still says what cleanup found.
  // Keyed by session instance, because what a managed runtime still held goes with its clean teardown.
  let leftovers: { instance: string; item: string }[] = [];
  const context: SessionContext = {
    runId,
    runDir: dir.path,
    scenarioName: plan.scenario.metadata.name,
    scenarioFile: plan.file,
    events,
    clock,
    clusters,
    environment,
    onNotice: request.onNotice ?? (() => undefined),
    onDied: (reason) => runAbort.abort(new InfrastructureError(reason)),
  };

  const closeSession = async () => {
    if (!session) return;
    const closing = session;
    session = undefined;
    const closed = await closing.close();
    if (closed.clearsCellLeftovers) leftovers = leftovers.filter((l) => l.instance !== closing.instance);
    leftovers.push(...closed.leftovers.map((item) => ({ instance: closing.instance, item })));
  };

  /** One repetition of one cell on a target; its cleanup runs whatever happens. */
  const churnCell = async (cell: Cell, rep: number, target: ChurnTarget, instance: string, metrics: () => Promise<MetricsEndpoint[]>) => {
    request.onCellStart?.(cell, rep, cell.settings.pods * cell.settings.cycles);
    events.run('cell-start', { rep, name: cell.name, runtime: instance }, cell.id);
    const measuring: CellRunContext = { cellId: cell.id, rep, events, metricsEndpoints: metrics };
    const measurements = cellMeasurements.filter((measurement) => measuresTarget(measurement, cell.settings.target.type));
    for (const measurement of measurements) await measurement.atCellStart?.(measuring);
    collectGarbageNow();
    try {
      await runChurn({ runId, scenario: plan.scenario.metadata.name, cellId: cell.id, rep, settings: cell.settings }, target, runAbort.signal);
    } finally {
      const cleanup = await target.cleanup().catch((error) => ({ forced: [], leftovers: [`cleanup failed: ${describeCause(error)}`] }));
      leftovers.push(...cleanup.leftovers.map((item) => ({ instance, item })));
      events.run('cleanup', { ...cleanup, runtime: instance }, cell.id);
      if (!runAbort.signal.aborted) for (const measurement of measurements) await measurement.atCellEnd?.(measuring);
      events.run('cell-end', { rep }, cell.id);
    }
  };

  try {
    let driver: TargetDriver | undefined;
    for (const cell of plan.cells) {
      for (let rep = 1; rep <= plan.scenario.repetitions && !runAbort.signal.aborted; rep++) {
        const next = targetDriver(cell.settings.target.type);
        if (next !== driver) await closeSession();
        driver = next;
        const settings = await driver.prepare(cell.id, cell.settings, context, closeSession);
        if (session?.key !== driver.sessionKey(settings)) {
          await closeSession();
          session = await driver.open(settings, ++instances, context);
        }
        session.addCell(cell.id);
        dir.writeJson('environment', environment);
        const current = session;
        await churnCell(cell, rep, current.target(cell.id, rep, settings), current.instance, () => current.metricsEndpoints());
      }
      if (runAbort.signal.aborted) break;
    }
  } catch (error) {
    if (!(error instanceof InfrastructureError || runAbort.signal.aborted)) throw error;
    failure = describeCause(error);
    status = 'infrastructure-error';
  } finally {
    // Closing the session may be what reveals a runtime that died during the last cell: decide the status after it.
    await closeSession().catch((error) => {
      if (!(error instanceof InfrastructureError)) throw error;
      failure ??= describeCause(error);
      status = 'infrastructure-error';
    });
    request.signal.removeEventListener('abort', abortFromCaller);
    if (runAbort.signal.aborted) {
      const reason: unknown = runAbort.signal.reason;
      if (reason instanceof InfrastructureError) {
        status = 'infrastructure-error';
        failure = reason.message;
      } else {
        status = 'interrupted';
        events.run('interrupted', { reason: describeCause(reason) });
      }
    }
    await clusters.release().catch((error) => events.run('cluster-teardown', { leftovers: [`cluster release failed: ${describeCause(error)}`] }));
    try {
      dir.writeJson('environment', environment);
    } catch (error) {
      // A full disk: the run's own error below says so; cleanup has already run.
      // biome-ignore lint/correctness/noUnsafeFinally: any other write failure ends the run here, after its cleanup.
      if (!events.failure) throw error;
    }
    events.run('run-end', { status, ...(failure ? { error: failure } : {}) });
    events.close();
  }
  if (events.failure)
    throw eventLogFailure(
      dir,
      events,
      leftovers.map((l) => l.item),
    );
  collectGarbageNow();
  const analysis = analyzeRun(dir);
  writeAnalysis(dir, analysis);
  return { dir, analysis };
}

/**
 * The event log stopped taking writes mid-run. Everything written before is valid and kept; what
 * the run could not record (its cleanup, the summary) is told here instead.
 */
function eventLogFailure(dir: RunDirectory, events: EventLog, leftovers: readonly string[]): InfrastructureError {
  let reports = 'summary.json and the reports were written from the events that were kept';
  try {
    writeAnalysis(dir, analyzeRun(dir));
  } catch {
    reports = 'summary.json and the reports could not be written';
  }
  const cleanup = leftovers.length
    ? `the leak check found ${leftovers.length} leftover(s): ${leftovers.slice(0, 5).join('; ')}`
    : 'the leak check found nothing left behind';
  return new InfrastructureError(
    `cannot write ${events.file}: ${describeWriteError(events.failure)}. The run stopped there; its pods were cleaned up and any runtime it started ` +
      `was torn down (${cleanup}). ` +
      `events.jsonl keeps every event written before the failure ` +
      `(${events.writtenBytes} bytes of complete lines; ${events.unwritten} later events were not recorded); ${reports}. ` +
      `Free space, then "podchurn report ${dir.path}" re-analyses what was kept.`,
    { cause: events.failure },
  );
}
