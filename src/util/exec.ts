import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a program with an argv array (never a shell string) and returns its output and exit code
 * instead of throwing on a non-zero exit: callers decide what a failure means.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, env: options.env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          // Spawn failures (ENOENT, EACCES) and timeouts: the program never produced an exit code.
          reject(error);
          return;
        }
        resolve({ stdout, stderr, exitCode: error ? (error.code as number) : 0 });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Full path of a program on PATH, or undefined. */
export async function whichProgram(name: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    const candidate = `${dir}/${name}`;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}
