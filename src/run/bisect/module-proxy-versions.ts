import { tmpdir } from 'node:os';
import { InfrastructureError } from '../../errors.js';
import { goEnvironment } from '../../runtime/sources/go-build.js';
import { cacheDir } from '../../util/dirs.js';
import { runCommand } from '../../util/exec.js';

/**
 * `go list -m -versions <module>` through the Go module proxy the machine is configured with (GOPROXY), in
 * the same Go environment the runtime store builds with. Run outside any module: the answer must not depend
 * on the directory podchurn was started in.
 */
export async function listModuleVersions(modulePath: string, timeoutMs = 30_000): Promise<string[]> {
  const env = await goEnvironment(cacheDir());
  const result = await runCommand('go', ['list', '-m', '-versions', modulePath], { env, cwd: tmpdir(), timeoutMs });
  if (result.exitCode !== 0)
    throw new InfrastructureError(`go list -m -versions ${modulePath} failed: ${(result.stderr || result.stdout).trim().slice(0, 300)}`);
  const [name, ...versions] = result.stdout.trim().split(/\s+/);
  if (name !== modulePath) throw new InfrastructureError(`go list -m -versions ${modulePath} answered about ${name ?? 'nothing'}.`);
  return versions;
}
