import type { Argv } from 'yargs';
import { ExitCode, PodchurnError } from '../../errors.js';
import type { RunAnalysis } from '../../results/run-analysis.js';
import { type PushPlan, pushRunMetrics } from '../../run/push-metrics.js';

/** --push and --push-group, as `run` and `report` take them. */
export interface PushArgs {
  push?: string;
  'push-group': string[];
}

/** Adds the Pushgateway options; `when` says at which point of the command the metrics are pushed. */
export function withPushOptions<T>(yargs: Argv<T>, when: string): Argv<T & PushArgs> {
  return yargs
    .option('push', { type: 'string', describe: `Push the run's metrics (metrics.prom) to this Prometheus Pushgateway ${when}` })
    .option('push-group', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'Extra Pushgateway grouping label name=value (repeatable), for runs of one scenario that must not replace each other',
    }) as Argv<T & PushArgs>;
}

/**
 * Pushes a finished run's metrics, when --push asked for it (the run directory is complete by now, so a
 * gateway that is down loses nothing), and returns the command's exit code: the run's own, or 3 for a
 * failed push unless the run already ended worse than a failed gate.
 */
export async function pushAndExitCode(push: PushPlan | undefined, analysis: RunAnalysis, dir: string): Promise<number> {
  if (push) {
    try {
      await pushRunMetrics(push, analysis, dir);
    } catch (error) {
      if (!(error instanceof PodchurnError)) throw error;
      process.stderr.write(`podchurn: ${error.message}\n`);
      return analysis.summary.exitCode > ExitCode.gateFailed ? analysis.summary.exitCode : error.exitCode;
    }
  }
  return analysis.summary.exitCode;
}
