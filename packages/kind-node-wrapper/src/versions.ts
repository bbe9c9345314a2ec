/**
 * The version each runtime binary prints, parsed: what node-image and node-pin checks compare with
 * the versions they were asked for.
 */

/** `containerd github.com/containerd/containerd v1.7.22 7f7fdf5...` -> `1.7.22` */
export function parseContainerdVersion(output: string): string | undefined {
  return /^containerd\s+\S+\s+v?(\S+)/m.exec(output)?.[1];
}

/** `containerd-shim-runc-v2:\n  Version:  v1.7.22` -> `1.7.22` */
export function parseShimVersion(output: string): string | undefined {
  return /^\s*Version:\s+v?(\S+)/m.exec(output)?.[1];
}

/** `runc version 1.1.5+ds1` -> `1.1.5+ds1` */
export function parseRuncVersion(output: string): string | undefined {
  return /^runc version\s+v?(\S+)/m.exec(output)?.[1];
}
