import { KindInputError, KindToolError } from 'kind-node-wrapper';
import { InfrastructureError, InputError } from '../../../errors.js';

/**
 * kind-node-wrapper's failures as podchurn's: its input errors are bad input (exit 2), its tool errors
 * infrastructure (exit 3), so run/ and the CLI treat them as they treat every other host failure.
 * The wrapper's error stays the cause.
 */
export function asPodchurnError(error: unknown): unknown {
  if (error instanceof KindInputError) return new InputError(error.message, { cause: error });
  if (error instanceof KindToolError) return new InfrastructureError(error.message, { cause: error });
  return error;
}

/** Runs `work`, rethrowing the wrapper's errors as podchurn's. */
export async function translatedErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asPodchurnError(error);
  }
}
