/**
 * The two ways the wrapper fails, so a caller can map them to its own errors (or exit codes) with
 * one `instanceof` each. Every message is meant for a person: it names what was being done and ends
 * with the tool's own last words where a tool failed. The underlying error stays in `cause`.
 */
export class KindWrapperError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that cannot be used as given: a cluster or node name kind or docker would refuse, an unreadable or invalid kind config. */
export class KindInputError extends KindWrapperError {}

/** kind, docker or a build step that is missing, did not finish in time, or failed. `exitCode` is the tool's when it ran and failed. */
export class KindToolError extends KindWrapperError {
  readonly exitCode: number | undefined;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options);
    this.exitCode = options?.exitCode;
  }
}

/** The message of an error, or the thrown value as text. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
