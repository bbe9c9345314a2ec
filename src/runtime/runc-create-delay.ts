import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A slow `runc create` (scenario runtime.runcCreateDelaySeconds): a wrapper the managed containerd is given as
 * its runc binary. It waits before running the real runc's `create` of a pod's workload container (not of a
 * sandbox), and passes every other call straight through. The wait is in runc's place, inside the shim's
 * Create, as a slow disk or a loaded host makes it: the shim serving the pod holds the task until it returns.
 * The sandbox is left alone so the delay lands in StartContainer, with the sandbox's task already in the shim.
 */

/** The annotation containerd's CRI writes into every bundle's config.json: "sandbox" or "container". */
const CONTAINER_TYPE = '"io.kubernetes.cri.container-type":"container"';

/** Single-quoted for sh: the paths come from the runtime store and podchurn's state directory. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function runcCreateDelayScript(realRunc: string, delaySeconds: number): string {
  return `#!/bin/sh
# podchurn: runtime.runcCreateDelaySeconds. Waits ${delaySeconds} s before runc create of a workload container, then
# runs the real runc with the same arguments; every other runc call goes straight through.
real=${shellQuote(realRunc)}
bundle=''
create=''
previous=''
for arg in "$@"; do
  case "$previous" in --bundle|-b) bundle=$arg ;; esac
  case "$arg" in --bundle=*) bundle=\${arg#--bundle=} ;; create) create=yes ;; esac
  previous=$arg
done
if [ -n "$create" ] && [ -n "$bundle" ] && grep -q '${CONTAINER_TYPE}' "$bundle/config.json" 2>/dev/null; then
  sleep ${delaySeconds}
fi
exec "$real" "$@"
`;
}

/** Writes the wrapper under the daemon's state directory and returns its path (renamed into place: a shim may be running the old one). */
export async function writeRuncCreateDelay(state: string, realRunc: string, delaySeconds: number): Promise<string> {
  const dir = join(state, 'runc-create-delay');
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'runc');
  const staged = `${path}.${process.pid}.new`;
  await writeFile(staged, runcCreateDelayScript(realRunc, delaySeconds));
  await chmod(staged, 0o755);
  await rename(staged, path);
  return path;
}
