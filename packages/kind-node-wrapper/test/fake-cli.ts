import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fake kind and docker executables (and their shared state module, fake-state.cjs). */
export const fakeCliDir = fileURLToPath(new URL('./fake-cli/', import.meta.url));

export interface Call {
  tool: 'kind' | 'docker';
  argv: string[];
}

/**
 * The fake kind and docker executables on PATH, with their own state dir and argv log. `install`
 * changes this process's environment (for providers called in-process) until `restore`; `env`
 * gives the same settings to a child process.
 */
export class FakeCli {
  readonly dir = mkdtempSync(join(tmpdir(), 'kind-node-wrapper-fake-cli-'));
  readonly state = join(this.dir, 'state');
  readonly log = join(this.dir, 'calls.jsonl');
  private saved: Record<string, string | undefined> = {};

  constructor(private readonly settings: Record<string, string> = {}) {}

  /** Environment for a child process (PATH with the fakes first, state and log). */
  env(extra: Record<string, string> = {}, pathDirs: string[] = [fakeCliDir]): Record<string, string> {
    return {
      PATH: [...pathDirs, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      FAKE_CLI_STATE: this.state,
      FAKE_CLI_LOG: this.log,
      ...this.settings,
      ...extra,
    };
  }

  install(extra: Record<string, string> = {}, pathDirs?: string[]): this {
    for (const [key, value] of Object.entries(this.env(extra, pathDirs))) {
      if (!(key in this.saved)) this.saved[key] = process.env[key];
      process.env[key] = value;
    }
    return this;
  }

  /** Sets (or, with undefined, clears) one fake setting while installed. */
  set(key: string, value: string | undefined): void {
    if (!(key in this.saved)) this.saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }

  restore(): void {
    for (const [key, value] of Object.entries(this.saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    this.saved = {};
  }

  calls(): Call[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Call);
  }

  /** Calls as "tool argv..." strings, easier to compare and to read in a failure. */
  lines(): string[] {
    return this.calls().map((c) => [c.tool, ...c.argv].join(' '));
  }

  clearLog(): void {
    rmSync(this.log, { force: true });
  }

  /** A PATH directory holding only the fake docker (kind is "not installed"). */
  dockerOnlyDir(): string {
    const dir = join(this.dir, 'docker-only');
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'docker'))) symlinkSync(join(fakeCliDir, 'docker'), join(dir, 'docker'));
    return dir;
  }

  cleanup(): void {
    this.restore();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
