/**
 * Typed failures, each mapped to one documented exit code by the top-level catch in cli/main.ts.
 * Results and errors share a shape: every error carries a one-paragraph message meant for the user
 * and keeps the underlying `cause` for --debug output.
 */

export const ExitCode = {
  ok: 0,
  gateFailed: 1,
  badInput: 2,
  infrastructure: 3,
  internal: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class PodchurnError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Scenario files, flags or arguments that cannot be used as given (exit 2). */
export class InputError extends PodchurnError {
  readonly exitCode = ExitCode.badInput;
}

/** A runtime, cluster or host facility that would not start or stopped answering (exit 3). */
export class InfrastructureError extends PodchurnError {
  readonly exitCode = ExitCode.infrastructure;
}

/** The run was interrupted by a signal; cleanup has already happened when this is thrown (exit 130). */
export class InterruptedError extends PodchurnError {
  readonly exitCode = ExitCode.interrupted;
}

export function describeCause(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
