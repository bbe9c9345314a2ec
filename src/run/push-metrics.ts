import { InfrastructureError, InputError } from '../errors.js';
import { isPodchurnLabel, runMetricFamilies } from '../reports/metric-families.js';
import { prometheusTextContentType, renderPrometheusText } from '../reports/metrics-text.js';
import type { RunAnalysis } from '../results/run-analysis.js';
import type { RunSummary } from '../results/summary.js';
import { type GroupingKey, parseGroupingLabel, parsePushgatewayUrl, type Pushgateway, pushToGateway } from '../util/pushgateway.js';

/** Where a run's metrics go: checked before the run starts, used after its directory is complete. */
export interface PushPlan {
  gateway: Pushgateway;
  /** --push-group labels, added to the grouping key after job and scenario. */
  extraGroups: GroupingKey;
}

/** Validates --push and --push-group (exit 2 on bad input); undefined when nothing is to be pushed. */
export function planPush(url: string | undefined, groups: readonly string[]): PushPlan | undefined {
  if (url === undefined) {
    if (groups.length) throw new InputError('--push-group names the Pushgateway group of --push; give --push URL as well.');
    return undefined;
  }
  const extraGroups = groups.map(parseGroupingLabel);
  for (const [name] of extraGroups) {
    if (name === 'job' || isPodchurnLabel(name)) {
      throw new InputError(
        `--push-group ${name}=...: "${name}" is a label podchurn sets itself (job, scenario, cell, axis_*, versions ...); choose another name.`,
      );
    }
  }
  const names = extraGroups.map(([name]) => name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new InputError(`--push-group ${repeated} is given twice.`);
  return { gateway: parsePushgatewayUrl(url), extraGroups };
}

/**
 * The Pushgateway group of a run: job="podchurn", the scenario, then --push-group labels. Each
 * scenario's latest run replaces its previous one (a PUT), so Prometheus sees one continuous series
 * per cell across nightly runs; the run id is a label of podchurn_run_info only (as a grouping label
 * every run would stay in the gateway forever and be scraped as current).
 */
export function groupingKey(summary: RunSummary, plan: PushPlan): GroupingKey {
  return [['job', 'podchurn'], ['scenario', summary.scenario], ...plan.extraGroups];
}

/** Pushes a finished run's figures; the run directory is already complete, and the error says how to push it again. */
export async function pushRunMetrics(plan: PushPlan, analysis: RunAnalysis, runDir: string): Promise<void> {
  const body = renderPrometheusText(runMetricFamilies(analysis));
  try {
    await pushToGateway(plan.gateway, groupingKey(analysis.summary, plan), body, prometheusTextContentType);
  } catch (error) {
    if (!(error instanceof InfrastructureError)) throw error;
    const again = ['podchurn report', runDir, '--push', plan.gateway.shown, ...plan.extraGroups.map(([n, v]) => `--push-group ${n}=${v}`)].join(' ');
    throw new InfrastructureError(`${error.message}. The run's results are complete in ${runDir}; push them again with: ${again}`, { cause: error });
  }
}
