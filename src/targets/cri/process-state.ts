import { readFile } from 'node:fs/promises';

/** Whether a host pid is a live (non-zombie) process. */
export async function processAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself contain spaces or parens).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The task pid from a verbose ContainerStatus (`info["info"]` is JSON with a `pid` field). */
export function pidFromVerboseInfo(info: Record<string, string>): number | undefined {
  try {
    const parsed = JSON.parse(info.info ?? '{}') as { pid?: unknown };
    return typeof parsed.pid === 'number' ? parsed.pid : undefined;
  } catch {
    return undefined;
  }
}
