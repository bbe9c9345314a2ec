import { KindToolError } from './errors.js';
import { dockerArgv, outputTail, runTool } from './kind-cli.js';

/** Runs docker; a non-zero exit is a KindToolError naming what was being done. */
export async function runDockerOk(argv: readonly string[], what: string, timeoutMs = 120_000): Promise<string> {
  const result = await runTool('docker', argv, { timeoutMs });
  if (result.exitCode !== 0)
    throw new KindToolError(`docker failed ${what} (docker ${argv.slice(0, 3).join(' ')} ... exited ${result.exitCode}):\n${outputTail(result, 20)}`, {
      exitCode: result.exitCode,
    });
  return result.stdout;
}

/** The labels of a local image, or undefined when Docker does not have it. */
export async function dockerImageLabels(reference: string): Promise<Record<string, string> | undefined> {
  const result = await runTool('docker', dockerArgv.imageLabels(reference), { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
}
