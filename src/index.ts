/**
 * podchurn as a library: what benchmarks and other programs drive without the CLI. Everything here
 * is also what the CLI itself uses; deep imports of other modules are not a stable interface.
 */

// Scenarios and runs
export { CellSettingsSchema, DEFAULT_KUBERNETES_VERSION, kubeTargetSettings, type CellSettings, type Scenario } from './scenario/schema.js';
export { planRun, runScenario, type RunRequest, type RunResult } from './run/run-scenario.js';
export { analyzeRun, writeAnalysis } from './run/analyze-run.js';

// Results: run directories, events, summaries
export { RunDirectory, runFiles } from './results/run-directory.js';
export { EventLog, parseEventLines } from './results/event-log.js';
export { isPodEvent, type EventSink, type PodEvent, type PodIdentity, type RecordedEvent, type RunEvent } from './engine/events.js';
export type { RunSummary, CellSummary } from './results/summary.js';
export type { RunAnalysis } from './results/run-analysis.js';

// Reports
export { renderHtmlReport } from './reports/html.js';
export { renderJunitReport } from './reports/junit.js';
export { renderMarkdownReport } from './reports/markdown.js';
export { loadUplotAssets } from './reports/uplot-assets.js';

// Targets
export { openCriSession } from './targets/cri/cri-session.js';
export { ContainerExitWatch } from './targets/cri/container-exit-watch.js';
export { buildPodManifest } from './targets/kube/pod-manifest.js';

// Host side: CRI, runtimes, clusters, images
export { CriClient } from './cri/client.js';
export type { PodSandboxConfig } from './cri/types.js';
export { RuntimeStore } from './runtime/store.js';
export { containerdExcludes, downloadModule, goEnvironment, goVersion, prepareWrapperModule, runGo, wrapperModuleGoMod } from './runtime/sources/go-build.js';
export { ApiserverHarness } from './cluster/apiserver-harness.js';
export { controllerManagerArgs } from './cluster/control-plane-args.js';
export { ManagedProcess } from './cluster/managed-process.js';
export { KindProvider } from './cluster/providers/kind/kind-provider.js';
export { LocalProvider } from './cluster/providers/local/local-provider.js';
export { coreApi } from './cluster/providers/local/local-cluster.js';
export { WORKLOAD_IMAGE } from './images/builtin-images.js';
export { buildLayerTar, type LayerEntry } from './images/oci-archive.js';
export { buildNodeImage } from './images/kind-node/node-image.js';

// Utilities
export { monotonicClock, sleep, type Clock, type Stamp } from './util/clock.js';
export { cacheDir } from './util/dirs.js';
export { runCommand, whichProgram } from './util/exec.js';
