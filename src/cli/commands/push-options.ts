import type { Argv } from 'yargs';

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
