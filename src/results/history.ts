import { existsSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { InputError } from '../errors.js';
import type { CellSummary, RunSummary } from './summary.js';

/** One cell of one run, as the history keeps it: enough for trends, not the raw samples. */
export interface HistoryRow {
  runId: string;
  scenario: string;
  cell: string;
  cellName: string;
  startedAt: string;
  recordedAt: string;
  status: string;
  containerd: string;
  runc: string;
  criRuntime: string;
  /** Which latency p50..max are: the run's primary latency (deletion on kube, stop on CRI). */
  latency: string;
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  stops: number;
  /** stuck + state-mismatch, the lost-exit symptom compared by Fisher's test. */
  stuck: number;
  outcomes: Record<string, number>;
}

const HISTORY_SCHEMA_VERSION = 2;

/** One cell of one run with its whole summary: what bisect counts occurrences of any measure from. */
export interface RecordedCellSummary {
  runId: string;
  scenario: string;
  startedAt: string;
  status: string;
  summary: CellSummary;
}

/**
 * Each recorded cell's whole summary, beside the trend rows: an occurrence measure (a signature, a CRI error
 * code, state mismatches) needs counts the trend row does not keep. A table of its own, created when first
 * written, so databases of either schema gain it without a migration and older podchurns ignore it.
 */
const CELL_SUMMARIES_TABLE = `CREATE TABLE IF NOT EXISTS cell_summaries (
  run_id TEXT NOT NULL, cell TEXT NOT NULL, scenario TEXT NOT NULL, started_at TEXT NOT NULL, status TEXT NOT NULL,
  summary TEXT NOT NULL, PRIMARY KEY (run_id, cell)
)`;

/**
 * The SQLite history of runs (--history DB). One row per run and cell; a run recorded twice
 * replaces its rows, so re-running `podchurn report` with --history is harmless.
 */
export class HistoryStore {
  private constructor(private readonly db: DatabaseSync) {}

  static open(file: string, options: { create: boolean }): HistoryStore {
    const refuse = (reason: string, cause?: unknown) =>
      new InputError(
        `cannot open the history database ${file} (${reason})${options.create ? '' : '; record runs into it first with podchurn run --history'}.`,
        { cause },
      );
    if (!options.create && !existsSync(file)) throw refuse('no such file');
    let db: DatabaseSync;
    try {
      db = new (loadSqlite().DatabaseSync)(file);
      // SQLite opens any file lazily: reading the schema version is what finds a file that is no database.
      readUserVersion(db);
    } catch (error) {
      throw refuse((error as Error).message, error);
    }
    const store = new HistoryStore(db);
    store.migrate(file);
    return store;
  }

  private migrate(file: string): void {
    const version = readUserVersion(this.db);
    if (version > HISTORY_SCHEMA_VERSION)
      throw new InputError(`${file} was written by a newer podchurn (history schema ${version}); this one reads up to ${HISTORY_SCHEMA_VERSION}.`);
    if (version === HISTORY_SCHEMA_VERSION) return;
    this.inTransaction(() => {
      if (version === 0) {
        this.db.exec(`
          CREATE TABLE IF NOT EXISTS cell_runs (
            run_id TEXT NOT NULL, scenario TEXT NOT NULL, cell TEXT NOT NULL, cell_name TEXT NOT NULL,
            started_at TEXT NOT NULL, recorded_at TEXT NOT NULL, status TEXT NOT NULL,
            containerd TEXT NOT NULL, runc TEXT NOT NULL, cri_runtime TEXT NOT NULL,
            count INTEGER NOT NULL, p50 REAL, p95 REAL, p99 REAL, max REAL,
            stops INTEGER NOT NULL, stuck INTEGER NOT NULL, outcomes TEXT NOT NULL,
            PRIMARY KEY (run_id, cell)
          );
          CREATE INDEX IF NOT EXISTS cell_runs_by_series ON cell_runs (scenario, cell_name, started_at);
        `);
      }
      // Schema 1 kept only stop latency, whatever the target: its rows say so, and a kube row's
      // figures (the stuck pods' timeouts) are no deletion latency, so they stay labelled "stop".
      this.db.exec(`ALTER TABLE cell_runs ADD COLUMN latency TEXT NOT NULL DEFAULT 'stop'`);
      this.db.exec(`PRAGMA user_version = ${HISTORY_SCHEMA_VERSION}`);
    });
  }

  /** Runs `work` in one transaction: all of it is written, or none of it. */
  private inTransaction(work: () => void): void {
    this.db.exec('BEGIN');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  record(summary: RunSummary, recordedAt = new Date()): number {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO cell_runs VALUES
      (@runId, @scenario, @cell, @cellName, @startedAt, @recordedAt, @status, @containerd, @runc, @criRuntime, @count, @p50, @p95, @p99, @max, @stops, ` +
        `@stuck, @outcomes, @latency)`,
    );
    const rows = summary.cells.map((c) => ({
      runId: summary.runId,
      scenario: summary.scenario,
      cell: c.cell,
      cellName: c.name,
      startedAt: summary.startedAt,
      recordedAt: recordedAt.toISOString(),
      status: summary.status,
      containerd: c.runtime.containerd,
      runc: c.runtime.runc,
      criRuntime: c.runtime.criRuntimeVersion,
      count: c.latencyMs?.count ?? 0,
      p50: c.latencyMs?.p50 ?? null,
      p95: c.latencyMs?.p95 ?? null,
      p99: c.latencyMs?.p99 ?? null,
      max: c.latencyMs?.max ?? null,
      stops: c.per1000Stops.stops,
      stuck: c.outcomes.stuck + c.outcomes['state-mismatch'],
      outcomes: JSON.stringify(c.outcomes),
      latency: summary.primaryLatency.name,
    }));
    this.db.exec(CELL_SUMMARIES_TABLE);
    const insertSummary = this.db.prepare(`INSERT OR REPLACE INTO cell_summaries VALUES (?, ?, ?, ?, ?, ?)`);
    this.inTransaction(() => {
      for (const row of rows) insert.run(row);
      for (const cell of summary.cells) insertSummary.run(summary.runId, cell.cell, summary.scenario, summary.startedAt, summary.status, JSON.stringify(cell));
    });
    return rows.length;
  }

  /** Every cell summary recorded for a scenario, oldest first (none from runs recorded before the table existed). */
  cellSummaries(scenario: string): RecordedCellSummary[] {
    const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cell_summaries'`).get();
    if (!exists) return [];
    const raw = this.db.prepare(`SELECT * FROM cell_summaries WHERE scenario = ? ORDER BY started_at, run_id, cell`).all(scenario) as Record<string, unknown>[];
    return raw.map((row) => ({
      runId: String(row.run_id),
      scenario: String(row.scenario),
      startedAt: String(row.started_at),
      status: String(row.status),
      summary: JSON.parse(String(row.summary)) as CellSummary,
    }));
  }

  /** Every recorded cell run, oldest first, optionally of one scenario. */
  rows(scenario?: string): HistoryRow[] {
    const raw = this.db
      .prepare(`SELECT * FROM cell_runs ${scenario ? 'WHERE scenario = ?' : ''} ORDER BY scenario, cell_name, started_at, run_id`)
      .all(...(scenario ? [scenario] : [])) as Record<string, unknown>[];
    return raw.map(fromRow);
  }

  /** The last `count` completed runs of one scenario/cell measured on `latency`, oldest first, excluding `exceptRunId`. */
  lastRuns(scenario: string, cellName: string, latency: string, count: number, exceptRunId: string): HistoryRow[] {
    const raw = this.db
      .prepare(
        `SELECT * FROM cell_runs WHERE scenario = ? AND cell_name = ? AND latency = ? AND run_id != ? AND status = 'completed' ORDER BY started_at ` +
          `DESC, run_id DESC LIMIT ?`,
      )
      .all(scenario, cellName, latency, exceptRunId, count) as Record<string, unknown>[];
    return raw.map(fromRow).reverse();
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(row: Record<string, unknown>): HistoryRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    runId: String(row.run_id),
    scenario: String(row.scenario),
    cell: String(row.cell),
    cellName: String(row.cell_name),
    startedAt: String(row.started_at),
    recordedAt: String(row.recorded_at),
    status: String(row.status),
    containerd: String(row.containerd),
    runc: String(row.runc),
    criRuntime: String(row.cri_runtime),
    latency: String(row.latency),
    count: Number(row.count),
    p50: num(row.p50),
    p95: num(row.p95),
    p99: num(row.p99),
    max: num(row.max),
    stops: Number(row.stops),
    stuck: Number(row.stuck),
    outcomes: JSON.parse(String(row.outcomes)) as Record<string, number>,
  };
}

function readUserVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

/**
 * node:sqlite, loaded when a history database is first opened rather than when this module is: Node 22 prints
 * an experimental warning as it loads (the CLI drops that one, cli/warnings.ts), so commands that never open a
 * history do not load it at all.
 */
function loadSqlite(): typeof import('node:sqlite') {
  return process.getBuiltinModule('node:sqlite');
}
