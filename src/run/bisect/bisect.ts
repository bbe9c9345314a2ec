import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import { describeOccurrenceMeasure, type OccurrenceMeasure } from '../../measurements/occurrence/occurrence.js';
import { renderBisectMarkdown } from '../../reports/bisect-markdown.js';
import type { BisectResult, BisectStep } from '../../results/bisect.js';
import type { HistoryStore } from '../../results/history.js';
import { newRunId } from '../../results/run-directory.js';
import { runtimeCatalog } from '../../runtime/catalog.js';
import { validateSprtParameters, type SprtParameters } from '../../stats/sprt.js';
import { planRun } from '../run-scenario.js';
import { candidateVersions, type ModuleVersionLister } from './candidate-versions.js';
import { listModuleVersions } from './module-proxy-versions.js';
import { ScenarioStepRunner, type BisectComponent } from './scenario-steps.js';
import { searchBoundary, type StepRunner } from './search.js';

export interface BisectRequest {
  scenarioFile: string;
  overrides: readonly string[];
  good: string;
  bad: string;
  component: BisectComponent;
  measure: OccurrenceMeasure;
  sprt: SprtParameters;
  /** bisect.json and bisect.md go here; the scenario runs under <outDir>/runs/. Default reports/bisect-<id>. */
  outDir?: string;
  reportsDir: string;
  history?: HistoryStore;
  historyDb?: string;
  signal: AbortSignal;
  onNotice?: (line: string) => void;
  onStep?: (step: BisectStep) => void;
  /** Injected in tests: the module proxy lister and the step runner. */
  listVersions?: ModuleVersionLister;
  runner?: StepRunner;
}

export interface BisectOutput {
  result: BisectResult;
  dir: string;
}

/** Refuses what would make the bisection meaningless before anything is built or run (exit 2). */
export function checkBisectInput(request: Pick<BisectRequest, 'scenarioFile' | 'overrides' | 'component' | 'sprt'>): { scenarioName: string } {
  validateSprtParameters(request.sprt);
  const axis = `runtime.${request.component}`;
  if (request.overrides.some((o) => o.startsWith(`${axis}=`))) {
    throw new InputError(`--set ${axis}=... conflicts with the bisection: bisect sets ${axis} itself at every step.`);
  }
  const plan = planRun(request.scenarioFile, request.overrides);
  if (Object.hasOwn(plan.scenario.matrix, axis)) {
    throw new InputError(`${plan.file}: its matrix varies ${axis}, the component being bisected; remove that axis (bisect sets ${axis} at each step).`);
  }
  return { scenarioName: plan.scenario.metadata.name };
}

/**
 * `podchurn bisect`: the release versions between a good and a bad pin, a binary search over them, and at
 * each step the SPRT over as many scenario runs as it needs. Progress is written to bisect.json after every
 * step, so an interrupted bisection still shows how far it got.
 */
export async function runBisect(request: BisectRequest): Promise<BisectOutput> {
  const { scenarioName } = checkBisectInput(request);
  const spec = runtimeCatalog()[request.component];
  const list = await candidateVersions({
    good: request.good,
    bad: request.bad,
    module: spec.module,
    catalogVersions: Object.keys(spec.versions),
    listVersions: request.listVersions ?? ((path) => listModuleVersions(path)),
  });
  const id = `bisect-${newRunId(scenarioName)}`.slice(0, 56);
  const dir = resolve(request.outDir ?? join(request.reportsDir, id));
  mkdirSync(dir, { recursive: true });
  const runner =
    request.runner ??
    new ScenarioStepRunner({
      scenarioFile: request.scenarioFile,
      overrides: request.overrides,
      component: request.component,
      measure: request.measure,
      runsDir: join(dir, 'runs'),
      history: request.history,
      signal: request.signal,
      onNotice: request.onNotice,
    });
  const started = performance.now();
  const result: BisectResult = {
    schemaVersion: 1,
    id,
    scenario: scenarioName,
    scenarioFile: request.scenarioFile,
    overrides: [...request.overrides],
    component: request.component,
    module: spec.module,
    good: list.good,
    bad: list.bad,
    direction: list.direction,
    measure: describeOccurrenceMeasure(request.measure),
    sprt: request.sprt,
    ...(request.historyDb ? { historyDb: request.historyDb } : {}),
    candidates: list.candidates,
    enumerationNotes: list.notes,
    steps: [],
    outcome: 'inconclusive',
    reason: 'the bisection did not finish (interrupted or failed); the steps below are those completed',
    gaps: [],
    totals: { wallSeconds: 0, buildSeconds: 0, runSeconds: 0, runs: 0, trials: 0, reusedTrials: 0 },
    startedAt: new Date().toISOString(),
  };
  const write = () => {
    result.totals = totalsOf(result.steps, performance.now() - started);
    result.gaps = result.steps.filter((s) => s.verdict === 'gap').map((s) => ({ version: s.version, reason: s.gapReason ?? '' }));
    writeFileSync(join(dir, 'bisect.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(dir, 'bisect.md'), renderBisectMarkdown(result));
  };
  write();
  const found = await searchBoundary({
    versions: list.candidates.map((c) => c.version),
    direction: list.direction,
    sprt: request.sprt,
    runner,
    onStep: (step) => {
      result.steps.push(step);
      write();
      request.onStep?.(step);
    },
  });
  result.outcome = found.outcome;
  result.reason = found.reason;
  if (found.firstChanged) result.firstChanged = found.firstChanged;
  if (found.lastUnchanged) result.lastUnchanged = found.lastUnchanged;
  if (found.boundaryRange) result.boundaryRange = found.boundaryRange;
  result.finishedAt = new Date().toISOString();
  write();
  return { result, dir };
}

function totalsOf(steps: readonly BisectStep[], elapsedMs: number): BisectResult['totals'] {
  const sum = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) * 10) / 10;
  return {
    wallSeconds: Math.round(elapsedMs / 100) / 10,
    buildSeconds: sum(steps.map((s) => s.build?.seconds ?? 0)),
    runSeconds: sum(steps.flatMap((s) => s.runs.map((r) => r.wallSeconds))),
    runs: steps.reduce((n, s) => n + s.runs.length, 0),
    trials: steps.reduce((n, s) => n + s.trials, 0),
    reusedTrials: steps.reduce((n, s) => n + s.reusedTrials, 0),
  };
}
