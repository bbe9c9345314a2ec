import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, renameSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InfrastructureError, InputError } from '../errors.js';

/**
 * The one place that names the files of a run directory. A run can be re-rendered and compared
 * later from this directory alone.
 */
export const runFiles = {
  scenario: 'scenario.yaml',
  environment: 'environment.json',
  events: 'events.jsonl',
  findings: 'findings.jsonl',
  summary: 'summary.json',
  reportMarkdown: 'report.md',
  reportHtml: 'report.html',
  junit: 'junit.xml',
  metrics: 'metrics.prom',
  logs: 'logs',
} as const;

/** Events of a large run plus a runtime log under exec storms: refuse to start below this. */
const MIN_FREE_BYTES = 32 * 1024 * 1024;

/** A write error in words: a full disk is named as such. */
export function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return 'no space left on the device (the filesystem of the run directory is full)';
  if (code === 'EDQUOT') return 'disk quota exceeded on the filesystem of the run directory';
  return (error as Error | undefined)?.message ?? String(error);
}

export function newRunId(scenarioName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}-${scenarioName}`.slice(0, 48);
}

export class RunDirectory {
  constructor(readonly path: string) {}

  /**
   * Creates reports/<run-id>/ and proves it is writable, with room to spare, now rather than
   * halfway through a run.
   */
  static create(reportsDir: string, runId: string): RunDirectory {
    const path = resolve(reportsDir, runId);
    try {
      mkdirSync(reportsDir, { recursive: true });
      const { bavail, bsize } = statfsSync(reportsDir);
      if (bavail * bsize < MIN_FREE_BYTES) {
        throw new InputError(
          `only ${Math.floor((bavail * bsize) / 1024 / 1024)} MiB are free where run directories go ` +
            `(${resolve(reportsDir)}); a run needs at ` +
            `least ${MIN_FREE_BYTES / 1024 / 1024} MiB for its events and runtime logs. Free space or choose another --reports-dir.`,
        );
      }
      mkdirSync(join(path, runFiles.logs), { recursive: true });
      accessSync(path, constants.W_OK);
      writeFileSync(join(path, runFiles.events), '', { flag: 'a' });
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`cannot write the run directory ${path} (${(error as Error).message}); choose another with --reports-dir.`, { cause: error });
    }
    return new RunDirectory(path);
  }

  static open(path: string): RunDirectory {
    if (!existsSync(join(path, runFiles.events)) || !existsSync(join(path, runFiles.scenario))) {
      throw new InputError(`${path} is not a podchurn run directory (expected ${runFiles.scenario} and ${runFiles.events}).`);
    }
    return new RunDirectory(resolve(path));
  }

  file(name: keyof typeof runFiles): string {
    return join(this.path, runFiles[name]);
  }

  logFile(name: string): string {
    return join(this.path, runFiles.logs, name);
  }

  /** Atomic (temp file + rename). A failed write (e.g. the disk filled up) is an infrastructure error naming the file. */
  writeText(name: keyof typeof runFiles, text: string): void {
    const target = this.file(name);
    try {
      writeFileSync(`${target}.tmp`, text);
      renameSync(`${target}.tmp`, target);
    } catch (error) {
      rmSync(`${target}.tmp`, { force: true });
      throw new InfrastructureError(`cannot write ${target}: ${describeWriteError(error)}`, { cause: error });
    }
  }

  writeJson(name: keyof typeof runFiles, value: unknown): void {
    this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  readText(name: keyof typeof runFiles): string {
    return readFileSync(this.file(name), 'utf8');
  }
}
