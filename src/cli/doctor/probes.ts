import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeCause } from '../../errors.js';
import { RuntimeStore, parseAnyKey } from '../../runtime/store.js';
import { runCommand, whichProgram } from '../../util/exec.js';

/** One thing a target or provider needs, as doctor found it. */
export interface Finding {
  present: boolean;
  /** What was found (version and path), or why it counts as missing. */
  detail: string;
}

export interface ProgramFinding extends Finding {
  path?: string;
  version?: string;
}

/** A program on PATH and the version it reports (`args`), parsed from its output. */
export async function findProgram(name: string, args: string[], parse: (out: string) => string | undefined): Promise<ProgramFinding> {
  const path = await whichProgram(name);
  if (!path) return { present: false, detail: 'not found on PATH' };
  const result = await runCommand(path, args, { timeoutMs: 10_000 }).catch(() => undefined);
  const version = result ? (parse(`${result.stdout}\n${result.stderr}`) ?? result.stdout.split('\n')[0]?.trim()) : undefined;
  return { present: true, path, version, detail: `${version || 'unknown version'} (${path})` };
}

/** How long doctor waits for the Docker daemon: a daemon that answers does so in well under a second. */
export const DOCKER_ANSWER_TIMEOUT_MS = 5_000;

/**
 * Whether a Docker daemon answers, not just whether the CLI exists: `docker version` exits 1 and says
 * "Cannot connect to the Docker daemon" when the CLI finds no daemon (kind's `create cluster` then fails the same way).
 */
export async function findDockerEngine(dockerPath: string | undefined): Promise<Finding> {
  if (!dockerPath) return { present: false, detail: 'no docker CLI to ask' };
  const result = await runCommand(dockerPath, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: DOCKER_ANSWER_TIMEOUT_MS }).catch(
    (error: unknown) => ({
      exitCode: -1,
      stdout: '',
      stderr: describeCause(error),
    }),
  );
  const version = result.stdout.trim();
  if (result.exitCode === 0 && version) return { present: true, detail: `daemon ${version} answers` };
  const why = result.stderr.trim().split('\n').find(Boolean) ?? `docker version exited ${result.exitCode}`;
  return {
    present: false,
    detail: result.exitCode === -1 ? `no answer within ${DOCKER_ANSWER_TIMEOUT_MS / 1000} s (${why})` : `the CLI is there, the daemon does not answer: ${why}`,
  };
}

/** A runtime store key, installed and complete, or not. */
export async function findStoreKey(key: string, store = new RuntimeStore()): Promise<Finding> {
  const entry = await store.get(parseAnyKey(key).key).catch(() => undefined);
  return entry ? { present: true, detail: `in the runtime store (${entry.source})` } : { present: false, detail: `not in the runtime store (${store.root})` };
}

/** The kubeconfig `cluster.provider: existing` reads by default: $KUBECONFIG's first file, else ~/.kube/config. */
export function findKubeconfig(): Finding {
  const fromEnv = process.env.KUBECONFIG?.split(':').find(Boolean);
  const path = fromEnv ?? join(homedir(), '.kube', 'config');
  if (existsSync(path)) return { present: true, detail: `${path}${fromEnv ? ' ($KUBECONFIG)' : ''}` };
  return { present: false, detail: `${path} does not exist${fromEnv ? ' ($KUBECONFIG)' : ''}` };
}
