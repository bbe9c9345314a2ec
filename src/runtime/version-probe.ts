/**
 * How to ask one executable for its version: the arguments, and how to read the answer. Every
 * store component declares one per binary, so a set is verified by running it, never by its name.
 */
export interface VersionProbe {
  args: readonly string[];
  /** The bare version (no leading `v`) from the command's stdout, or undefined when it is not there. */
  parse: (stdout: string) => string | undefined;
}
