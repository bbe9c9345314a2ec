import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A slow `runc create` (scenario runtime.runcCreateDelaySeconds, runcCreateReturnDelaySeconds): a wrapper the managed
 * containerd is given as its runc binary. For the `create` of a pod's workload container (not of a sandbox) it waits
 * before running the real runc, and/or holds the real runc's return after the container was created (its `runc init`
 * then waits for `runc start` while the shim does not know yet); every other call goes straight through. The waits
 * are in runc's place, inside the shim's Create, as a slow disk or a loaded host makes them. The sandbox is left
 * alone so the delay lands in StartContainer, with the sandbox's task already in the shim.
 */

export interface RuncCreateDelay {
  /** Seconds before the real runc create runs. */
  beforeSeconds: number;
  /** Seconds the wrapper holds runc create's result after it returned (the exit code is kept). */
  returnSeconds: number;
}

/** The annotation containerd's CRI writes into every bundle's config.json: "sandbox" or "container". */
const CONTAINER_TYPE = '"io.kubernetes.cri.container-type":"container"';

/** Single-quoted for sh: the paths come from the runtime store and podchurn's state directory. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function runcCreateDelayScript(realRunc: string, delay: RuncCreateDelay): string {
  const { beforeSeconds, returnSeconds } = delay;
  const run = returnSeconds > 0 ? `  "$real" "$@"\n  status=$?\n  sleep ${returnSeconds}\n  exit $status` : '  exec "$real" "$@"';
  return `#!/bin/sh
# podchurn: runtime.runcCreateDelaySeconds (${beforeSeconds} s) and runcCreateReturnDelaySeconds (${returnSeconds} s). For runc
# create of a workload container: waits, runs the real runc with the same arguments, holds its result; every other
# runc call goes straight through.
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
  sleep ${beforeSeconds}
${run}
fi
exec "$real" "$@"
`;
}

/** Writes the wrapper under the daemon's state directory and returns its path (renamed into place: a shim may be running the old one). */
export async function writeRuncCreateDelay(state: string, realRunc: string, delay: RuncCreateDelay): Promise<string> {
  const dir = join(state, 'runc-create-delay');
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'runc');
  const staged = `${path}.${process.pid}.new`;
  await writeFile(staged, runcCreateDelayScript(realRunc, delay));
  await chmod(staged, 0o755);
  await rename(staged, path);
  return path;
}
