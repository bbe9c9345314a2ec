import type { CellMeasurement } from './measurement.js';
import { stopWaterfallMeasurement } from './pod-lifecycle/stop-waterfall.js';
import { runtimeLogWaterfallMeasurement } from './runtime-log-waterfall/runtime-log-waterfall.js';
import { runtimeMetricsMeasurement } from './runtime-metrics/runtime-metrics.js';
import { stepRecoveryMeasurement } from './step-recovery/step-recovery.js';

/** Every measurement a cell summary gets beyond the pod lifecycle. A new one is one module and one line here. */
export const cellMeasurements: readonly CellMeasurement[] = [
  stopWaterfallMeasurement,
  runtimeLogWaterfallMeasurement,
  runtimeMetricsMeasurement,
  stepRecoveryMeasurement,
];
