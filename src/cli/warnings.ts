/**
 * Drops the warnings Node prints on stderr that no podchurn user can act on; every other warning passes:
 * - DEP0169 (`url.parse()`): node-fetch 2, under @kubernetes/client-node 1.x, calls it on every API request,
 *   and Node 24 deprecates it at run time, so every kube command printed it;
 * - SQLite's ExperimentalWarning: Node 22 prints it when node:sqlite, the history database, loads.
 * Called once, before any command runs.
 */
export function dropUnactionableWarnings(): void {
  const emitWarning = process.emitWarning as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!isUnactionable(warning, rest)) emitWarning.call(process, warning, ...rest);
  }) as typeof process.emitWarning;
}

/** emitWarning(warning, type?, code?) or emitWarning(warning, { type, code }). */
function isUnactionable(warning: string | Error, rest: readonly unknown[]): boolean {
  const [options, code] = rest;
  const warningCode = typeof options === 'object' && options !== null ? (options as { code?: unknown }).code : code;
  const text = typeof warning === 'string' ? warning : warning.message;
  return warningCode === 'DEP0169' || text.startsWith('SQLite is an experimental feature');
}
