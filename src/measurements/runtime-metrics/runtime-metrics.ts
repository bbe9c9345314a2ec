import type { CellMeasurement, CellRunContext } from '../measurement.js';
import { runtimeMetricsField } from './deltas.js';
import { scrapeMetrics } from './scrape.js';

/** The runtime's and kubelets' own timers, scraped before the first pod and after the cleanup: their deltas are the cell's. */
export const runtimeMetricsMeasurement: CellMeasurement = {
  id: 'runtime-metrics',
  atCellStart: (context) => scrape(context, 'start'),
  atCellEnd: (context) => scrape(context, 'end'),
  summarize: ({ runEvents, cellId }) => runtimeMetricsField(runEvents, cellId),
};

async function scrape(context: CellRunContext, phase: 'start' | 'end'): Promise<void> {
  const endpoints = await context.metricsEndpoints();
  if (endpoints.length) context.events.run('metrics-scrape', { rep: context.rep, phase, scrapes: await scrapeMetrics(endpoints) }, context.cellId);
}
