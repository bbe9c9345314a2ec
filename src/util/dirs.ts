import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where podchurn keeps built images and runtime binaries between runs (PODCHURN_CACHE_DIR overrides). */
export function cacheDir(): string {
  return process.env.PODCHURN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'podchurn');
}

/** Per-run runtime roots (snapshots, metadata) live here; removed when the run ends. */
export function runtimeRootBase(): string {
  return process.env.PODCHURN_RUNTIME_ROOT ?? '/var/lib/podchurn';
}

/** Per-run runtime state (sockets, shim state) lives here; short, because unix socket paths are limited to 107 bytes. */
export function runtimeStateBase(): string {
  return process.env.PODCHURN_RUNTIME_STATE ?? '/run/podchurn';
}
