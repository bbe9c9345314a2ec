import { KindToolError, describeCause } from './errors.js';
import { runCommand, type CommandResult } from './exec.js';

/**
 * The kind and docker command lines the wrapper runs, as argv arrays (never shell strings), and one
 * runner that turns "not installed" and "failed" into KindToolErrors carrying the tool's own last
 * words. Argv builders are pure so tests can state the exact contract.
 */

/** The label kind puts on every node container of a cluster. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
/** The Docker network kind attaches every node to (and never removes). */
export const KIND_NETWORK = 'kind';

export const kindArgv = {
  getClusters: (): string[] => ['get', 'clusters'],
  getNodes: (name: string): string[] => ['get', 'nodes', '--name', name],
  getKubeconfig: (name: string): string[] => ['get', 'kubeconfig', '--name', name],
  createCluster: (o: { name: string; config: string; image: string; kubeconfig: string; waitSeconds: number }): string[] => [
    'create',
    'cluster',
    '--name',
    o.name,
    '--config',
    o.config,
    '--image',
    o.image,
    '--kubeconfig',
    o.kubeconfig,
    '--wait',
    `${o.waitSeconds}s`,
  ],
  deleteCluster: (name: string): string[] => ['delete', 'cluster', '--name', name],
  loadImageArchive: (archive: string, name: string): string[] => ['load', 'image-archive', archive, '--name', name],
  exportLogs: (dir: string, name: string): string[] => ['export', 'logs', dir, '--name', name],
};

export const dockerArgv = {
  /** Every container (running or not) of one kind cluster, one JSON object per line. */
  psCluster: (name: string): string[] => ['ps', '-a', '--filter', `label=${KIND_CLUSTER_LABEL}=${name}`, '--format', '{{json .}}'],
  exec: (node: string, argv: readonly string[]): string[] => ['exec', node, ...argv],
  cp: (source: string, node: string, path: string): string[] => ['cp', source, `${node}:${path}`],
  networkContainers: (network: string): string[] => ['network', 'inspect', network, '--format', '{{len .Containers}}'],
  networkRemove: (network: string): string[] => ['network', 'rm', network],
  imageLabels: (reference: string): string[] => ['image', 'inspect', '--format', '{{json .Config.Labels}}', reference],
};

export type Tool = 'kind' | 'docker';

const installHints: Record<Tool, string> = {
  kind: 'install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and put it on PATH',
  docker: 'install Docker (kind runs its nodes as Docker containers) and put docker on PATH',
};

/** The last lines of a tool's output, for error messages. */
export function outputTail(result: Pick<CommandResult, 'stdout' | 'stderr'>, lines = 15): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n');
  return text.slice(-lines).join('\n');
}

export interface ToolRunOptions {
  timeoutMs?: number;
}

/** Runs kind or docker; a missing program or a timeout is a KindToolError, a non-zero exit is returned. */
export async function runTool(tool: Tool, argv: readonly string[], options: ToolRunOptions = {}): Promise<CommandResult> {
  try {
    return await runCommand(tool, argv, { timeoutMs: options.timeoutMs ?? 120_000 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KindToolError(`${tool} was not found on PATH: ${installHints[tool]}.`, { cause: error });
    if ((error as { killed?: boolean }).killed) {
      throw new KindToolError(`${tool} ${argv.join(' ')} did not finish within ${Math.round((options.timeoutMs ?? 120_000) / 1000)}s.`, { cause: error });
    }
    throw new KindToolError(`${tool} ${argv.join(' ')} could not be run: ${describeCause(error)}`, { cause: error });
  }
}

/** Runs kind or docker and requires exit 0; otherwise a KindToolError naming `what` with the tool's stderr tail. */
export async function runToolOk(tool: Tool, argv: readonly string[], what: string, options: ToolRunOptions = {}): Promise<CommandResult> {
  const result = await runTool(tool, argv, options);
  if (result.exitCode !== 0) {
    throw new KindToolError(`${what} failed: ${tool} ${argv.join(' ')} exited ${result.exitCode}:\n${outputTail(result)}`, { exitCode: result.exitCode });
  }
  return result;
}

/** `kind get clusters`: names on stdout, one a line; "No kind clusters found." goes to stderr. */
export function parseLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** One line of `docker ps --format '{{json .}}'`; only the fields the wrapper reads. */
export interface DockerContainer {
  Names: string;
  State?: string;
  Status: string;
  Image?: string;
  ID?: string;
}

export function parseDockerPs(stdout: string): DockerContainer[] {
  const containers: DockerContainer[] = [];
  for (const line of parseLines(stdout)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new KindToolError(`docker ps printed a line that is not JSON: ${line.slice(0, 200)}`);
    }
    const record = value as Partial<DockerContainer>;
    if (typeof record.Names !== 'string') throw new KindToolError(`docker ps printed a container without Names: ${line.slice(0, 200)}`);
    containers.push({ Names: record.Names, State: record.State, Status: String(record.Status ?? ''), Image: record.Image, ID: record.ID });
  }
  return containers;
}

/** A container counts as running when docker says so (State "running", or a Status starting "Up"). */
export function isRunning(container: DockerContainer): boolean {
  return container.State !== undefined ? container.State === 'running' : container.Status.startsWith('Up');
}
