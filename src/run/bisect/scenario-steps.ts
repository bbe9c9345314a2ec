import { InfrastructureError, InputError, describeCause } from '../../errors.js';
import { countOccurrences, type OccurrenceMeasure } from '../../measurements/occurrence/occurrence.js';
import type { BisectBuild, BisectRun } from '../../results/bisect.js';
import type { HistoryStore } from '../../results/history.js';
import type { CellSummary } from '../../results/summary.js';
import type { Component } from '../../runtime/catalog.js';
import { RuntimeStore, parseKey } from '../../runtime/store.js';
import type { Cell } from '../../scenario/matrix.js';
import { planRun, runScenario } from '../run-scenario.js';
import type { PriorTrials, StepRunner } from './search.js';

/** The components a bisection can pin: those a scenario's `runtime` block names. */
export type BisectComponent = Extract<Component, 'containerd' | 'runc'>;

export interface ScenarioStepOptions {
  scenarioFile: string;
  /** The user's --set overrides; the bisected pin is added per step. */
  overrides: readonly string[];
  component: BisectComponent;
  measure: OccurrenceMeasure;
  /** Where each step's scenario runs write their run directories. */
  runsDir: string;
  history?: HistoryStore;
  signal: AbortSignal;
  onNotice?: (line: string) => void;
  store?: RuntimeStore;
}

/** The cell settings that change how often a behaviour shows: runs that differ in them are not pooled. */
const comparedSettings = ['pods', 'batchSize', 'concurrency', 'requestTimeoutSeconds', 'onSigterm', 'execProbe'] as const;

/** A reported runtime version ("v1.7.15", "1.7.15") as a plain release version. */
const plainVersion = (reported: string) => /^v?(\d+\.\d+\.\d+)/.exec(reported.trim())?.[1];

/**
 * Bisect steps on this host: each pin comes from the runtime store (built from the Go module proxy when
 * missing, as `podchurn run` does), each trial run is `runScenario` with `runtime.<component>=<version>`,
 * and its occurrences are counted by the one occurrence measure. Earlier runs of the same scenario, cells,
 * settings and versions in the history database count as trials already made.
 */
export class ScenarioStepRunner implements StepRunner {
  private readonly store: RuntimeStore;

  constructor(private readonly options: ScenarioStepOptions) {
    this.store = options.store ?? new RuntimeStore();
  }

  /** The scenario's cells with the pin set: the cells each run executes. */
  cellsAt(version: string): { scenarioName: string; cells: Cell[] } {
    const plan = planRun(this.options.scenarioFile, this.overridesAt(version));
    return { scenarioName: plan.scenario.metadata.name, cells: plan.cells };
  }

  private overridesAt(version: string): string[] {
    return [...this.options.overrides, `runtime.${this.options.component}=${version}`];
  }

  async obtain(version: string): Promise<{ ok: true; build: BisectBuild } | { ok: false; reason: string }> {
    const parsed = parseKey(this.options.component, version);
    const started = performance.now();
    const before = await this.store.get(parsed.key);
    try {
      await this.store.ensure(parsed, { autoInstall: true, onProgress: this.options.onNotice });
    } catch (error) {
      // The proxy refusing the version, or its build failing: this version is a gap, not the end of the bisection.
      if (error instanceof InfrastructureError || error instanceof InputError) return { ok: false, reason: describeCause(error).split('\n').join(' ') };
      throw error;
    }
    const entry = await this.store.get(parsed.key);
    const build: BisectBuild = {
      seconds: Math.round((performance.now() - started) / 100) / 10,
      source: before ? 'store' : (entry?.source ?? 'unknown'),
    };
    if (typeof entry?.origin.seconds === 'number') build.storeInstallSeconds = entry.origin.seconds;
    if (entry?.installedAt) build.installedAt = entry.installedAt;
    return { ok: true, build };
  }

  async prior(version: string): Promise<PriorTrials> {
    const history = this.options.history;
    if (!history) return { trials: 0, occurrences: 0, runIds: [] };
    const { scenarioName, cells } = this.cellsAt(version);
    const other: BisectComponent = this.options.component === 'containerd' ? 'runc' : 'containerd';
    const otherPin = cells[0]?.settings.runtime[other];
    // Another component left at `system` is whatever the host has today: runs recorded earlier may have had another.
    if (!otherPin || otherPin === 'system') return { trials: 0, occurrences: 0, runIds: [] };
    const matching = history.cellSummaries(scenarioName).filter(({ status, summary }) => {
      const cell = cells.find((c) => c.name === summary.name);
      return (
        status === 'completed' &&
        cell !== undefined &&
        plainVersion(summary.runtime[this.options.component]) === version &&
        plainVersion(summary.runtime[other]) === otherPin &&
        sameSettings(summary, cell)
      );
    });
    // A recorded cell the measure cannot count (lostExit on a run from before exit events were recorded) is left out.
    const countable = matching.flatMap((m) => {
      try {
        return [{ runId: m.runId, ...countOccurrences([m.summary], this.options.measure) }];
      } catch (error) {
        if (error instanceof InputError) return [];
        throw error;
      }
    });
    const trials = countable.reduce((n, c) => n + c.trials, 0);
    const occurrences = countable.reduce((n, c) => n + c.occurrences, 0);
    return { trials, occurrences, runIds: [...new Set(countable.map((c) => c.runId))] };
  }

  async runOnce(version: string): Promise<BisectRun> {
    const started = performance.now();
    const { dir, analysis } = await runScenario({
      scenarioFile: this.options.scenarioFile,
      overrides: this.overridesAt(version),
      reportsDir: this.options.runsDir,
      signal: this.options.signal,
      onNotice: this.options.onNotice,
    });
    const { summary } = analysis;
    // An interrupted run ends the bisection with the caller's reason (exit 130), not as a broken runtime.
    if (this.options.signal.aborted) throw this.options.signal.reason;
    if (summary.status !== 'completed') {
      throw new InfrastructureError(
        `the run at ${this.options.component} ${version} ended ${summary.status}${summary.error ? `: ${summary.error}` : ''} (${dir.path}).`,
      );
    }
    const measured = summary.cells.map((c) => plainVersion(c.runtime[this.options.component]));
    if (measured.some((v) => v !== version)) {
      throw new InfrastructureError(`the run at ${this.options.component} ${version} measured ${measured.join(', ')} instead (${dir.path}).`);
    }
    this.options.history?.record(summary);
    const counts = countOccurrences(summary.cells, this.options.measure);
    return { runId: summary.runId, runDir: dir.path, ...counts, wallSeconds: Math.round((performance.now() - started) / 100) / 10 };
  }
}

function sameSettings(summary: CellSummary, cell: Cell): boolean {
  const planned: Record<(typeof comparedSettings)[number], unknown> = {
    pods: cell.settings.pods,
    batchSize: cell.settings.batchSize,
    concurrency: cell.settings.concurrency,
    requestTimeoutSeconds: cell.settings.requestTimeoutSeconds,
    onSigterm: cell.settings.workload.onSigterm,
    execProbe: cell.settings.execProbe.enabled,
  };
  return comparedSettings.every((key) => summary.settings[key] === planned[key]);
}
