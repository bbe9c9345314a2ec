/**
 * Drops the warning Node prints on stderr that no podchurn user can act on, SQLite's ExperimentalWarning (Node 22
 * prints it when node:sqlite, the history database, loads); every other warning passes. Called once, before any
 * command runs.
 */
export function dropUnactionableWarnings(): void {
  const emitWarning = process.emitWarning as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!isUnactionable(warning)) emitWarning.call(process, warning, ...rest);
  }) as typeof process.emitWarning;
}

function isUnactionable(warning: string | Error): boolean {
  const text = typeof warning === 'string' ? warning : warning.message;
  return text.startsWith('SQLite is an experimental feature');
}
