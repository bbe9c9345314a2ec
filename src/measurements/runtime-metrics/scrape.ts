import { describeCause } from '../../errors.js';
import type { MetricsEndpoint, SourceScrape } from '../../results/runtime-metrics.js';
import { parsePrometheusText } from './prometheus-text.js';
import { isTimerSampleName, keepSample } from './timers.js';

/** A scrape that takes longer is recorded as failed: the cell must not wait on a busy node's kubelet. */
export const SCRAPE_TIMEOUT_MS = 10_000;

/**
 * Scrapes every endpoint at once and keeps only the timers' samples (a containerd scrape is ~400 KB,
 * the few histograms that matter ~3 KB). A failure (refused, timed out, not the exposition format)
 * becomes that source's `error`; this never throws, so metrics can never fail a run.
 */
export async function scrapeMetrics(endpoints: readonly MetricsEndpoint[], timeoutMs = SCRAPE_TIMEOUT_MS): Promise<SourceScrape[]> {
  return Promise.all(
    endpoints.map(async (endpoint): Promise<SourceScrape> => {
      const controller = new AbortController();
      // Cleared as soon as the scrape ends: a pending timer would keep a finished podchurn alive.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new Error(`no answer within ${timeoutMs / 1000} s`);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      try {
        const text = await Promise.race([endpoint.fetch(controller.signal), timedOut]);
        const samples = parsePrometheusText(text, (name) => isTimerSampleName(endpoint.kind, name)).filter((s) => keepSample(endpoint.kind, s));
        return { source: endpoint.source, kind: endpoint.kind, samples };
      } catch (error) {
        return { source: endpoint.source, kind: endpoint.kind, error: describeCause(error) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
