import { renderTerminalSummary } from '../../reports/terminal.js';
import { RunDirectory } from '../../results/run-directory.js';
import { analyzeRun, writeAnalysis } from '../../run/analyze-run.js';

/** Re-analyses a run directory (events, logs, scenario) and rewrites its reports. */
export function reportCommand(args: { run: string; json: boolean }): number {
  const dir = RunDirectory.open(args.run);
  const analysis = analyzeRun(dir);
  writeAnalysis(dir, analysis);
  process.stdout.write(
    args.json
      ? `${JSON.stringify(analysis.summary, null, 2)}\n`
      : `${renderTerminalSummary(analysis.summary, dir.path, { colour: Boolean(process.stdout.isTTY) })}\n`,
  );
  return analysis.summary.exitCode;
}
