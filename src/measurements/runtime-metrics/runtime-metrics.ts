import type { SourceScrape } from '../../results/runtime-metrics.js';
import type { CellMeasurement, CellRunContext } from '../measurement.js';
import { runtimeMetricsField } from './deltas.js';
import { scrapeMetrics } from './scrape.js';

/** Start scrapes still under way when the cell began, per repetition's context: recorded at its end, before the end scrape. */
const startsUnderWay = new WeakMap<CellRunContext, Promise<SourceScrape[]>>();

/**
 * The runtime's and kubelets' own timers, scraped before the first pod and after the cleanup: their deltas are the
 * cell's. An endpoint that `startsBeforeDeletes` is scraped from the cell's start on without holding it up (its
 * target holds the first delete for it instead).
 */
export const runtimeMetricsMeasurement: CellMeasurement = {
  id: 'runtime-metrics',
  async atCellStart(context) {
    const endpoints = await context.metricsEndpoints();
    if (!endpoints.length) return;
    const later = endpoints.filter((endpoint) => endpoint.startsBeforeDeletes);
    const scraping = scrapeMetrics(later);
    const now = await scrapeMetrics(endpoints.filter((endpoint) => !endpoint.startsBeforeDeletes));
    if (later.length)
      startsUnderWay.set(
        context,
        scraping.then((rest) => [...now, ...rest]),
      );
    else record(context, 'start', now);
  },
  async atCellEnd(context) {
    const started = startsUnderWay.get(context);
    if (started) record(context, 'start', await started);
    const endpoints = await context.metricsEndpoints();
    if (endpoints.length) record(context, 'end', await scrapeMetrics(endpoints));
  },
  summarize: ({ runEvents, cellId }) => runtimeMetricsField(runEvents, cellId),
};

function record(context: CellRunContext, phase: 'start' | 'end', scrapes: SourceScrape[]): void {
  context.events.run('metrics-scrape', { rep: context.rep, phase, scrapes }, context.cellId);
}
