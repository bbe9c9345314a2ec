import { ApiException } from '@kubernetes/client-node';
import { InfrastructureError, describeCause } from '../../errors.js';
import { sleep } from '../../util/clock.js';

export interface RetryPolicy {
  /** Attempts for 429 and 5xx answers (the first call included). */
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How long calls keep being retried while the API does not answer at all (e.g. restarting). */
  unreachableForMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 6, initialBackoffMs: 200, maxBackoffMs: 5_000, unreachableForMs: 60_000 };

/** HTTP status of an API error, or undefined when no answer came (connection refused, TLS, DNS). */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const header = (error.headers as Record<string, string | undefined>)['retry-after'];
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/**
 * Runs one API call: 429 and 5xx are retried with bounded exponential backoff (honouring
 * Retry-After); an API that does not answer is retried for `unreachableForMs`, then reported as an
 * InfrastructureError. Other answers (404, 409, 422...) are the caller's to judge.
 */
export async function withApiRetry<T>(what: string, call: () => Promise<T>, signal: AbortSignal, policy: RetryPolicy = defaultRetryPolicy): Promise<T> {
  let backoffMs = policy.initialBackoffMs;
  let answeredFailures = 0;
  const started = performance.now();
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if (signal.aborted) throw error;
      if (status === undefined) {
        if (performance.now() - started >= policy.unreachableForMs) {
          throw new InfrastructureError(
            `the Kubernetes API did not answer ${what} for ${Math.round(policy.unreachableForMs / 1000)}s: ${describeCause(error)}`,
            { cause: error },
          );
        }
      } else if (status === 429 || status >= 500) {
        if (++answeredFailures >= policy.attempts) throw error;
      } else {
        throw error;
      }
      await sleep(Math.min(retryAfterMs(error) ?? backoffMs, policy.maxBackoffMs), signal);
      backoffMs = Math.min(backoffMs * 2, policy.maxBackoffMs);
    }
  }
}
