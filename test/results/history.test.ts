import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { InputError } from '../../src/errors.js';
import { HistoryStore } from '../../src/results/history.js';
import type { RunSummary } from '../../src/results/summary.js';
import { fixtureAnalysis } from '../helpers/fixture-run.js';

/** The fixture run's summary as a kube run would record it: deletion latency as the primary one. */
function kubeSummary(runId: string): RunSummary {
  const summary = fixtureAnalysis().summary;
  return { ...summary, runId, target: 'kube', primaryLatency: { name: 'deletion', definition: 'DELETE sent -> watch DELETED' } };
}

describe('history database', () => {
  const work = mkdtempSync(join(tmpdir(), 'podchurn-history-'));

  it('records the primary latency each run was judged by and keeps series of different latencies apart', () => {
    const store = HistoryStore.open(join(work, 'mixed.db'), { create: true });
    store.record(fixtureAnalysis().summary);
    store.record(kubeSummary('kube-run'));
    const cell = fixtureAnalysis().summary.cells[0]!;
    expect(store.lastRuns('cri-lost-exit', cell.name, 'deletion', 10, 'none').map((r) => [r.runId, r.latency, r.p99])).to.deep.equal([
      ['kube-run', 'deletion', cell.latencyMs!.p99],
    ]);
    expect(store.lastRuns('cri-lost-exit', cell.name, 'stop', 10, 'none').map((r) => r.latency)).to.deep.equal(['stop']);
    store.close();
  });

  it('migrates a schema-1 database: its rows were stop latency, and new rows say which latency they hold', () => {
    const file = join(work, 'v1.db');
    const db = new DatabaseSync(file);
    db.exec(
      `CREATE TABLE cell_runs (
        run_id TEXT NOT NULL, scenario TEXT NOT NULL, cell TEXT NOT NULL, cell_name TEXT NOT NULL,
        started_at TEXT NOT NULL, recorded_at TEXT NOT NULL, status TEXT NOT NULL,
        containerd TEXT NOT NULL, runc TEXT NOT NULL, cri_runtime TEXT NOT NULL,
        count INTEGER NOT NULL, p50 REAL, p95 REAL, p99 REAL, max REAL,
        stops INTEGER NOT NULL, stuck INTEGER NOT NULL, outcomes TEXT NOT NULL,
        PRIMARY KEY (run_id, cell));
      INSERT INTO cell_runs VALUES ('old', 's', 'cell-01', 'default', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'completed', '1.7.22', '1.1.14', ` +
        `'containerd 1.7.22', 3, 1, 2, 3, 3, 3, 0, '{}');
      PRAGMA user_version = 1;`,
    );
    db.close();
    const store = HistoryStore.open(file, { create: false });
    store.record(kubeSummary('new'));
    expect(store.rows('s').map((r) => [r.runId, r.latency])).to.deep.equal([['old', 'stop']]);
    expect(store.rows('cri-lost-exit').every((r) => r.latency === 'deletion')).to.equal(true);
    store.close();
    const reopened = new DatabaseSync(file);
    expect(reopened.prepare('PRAGMA user_version').get()).to.deep.equal({ user_version: 2 });
    reopened.close();
  });

  it('refuses a missing file (unless creating), a file that is no database, and a newer schema, each with what to do', () => {
    expect(() => HistoryStore.open(join(work, 'missing.db'), { create: false })).to.throw(InputError, /\(no such file\); record runs into it first/);
    const garbage = join(work, 'garbage.db');
    writeFileSync(garbage, 'not a database, just text long enough to hold a header\n'.repeat(20));
    expect(() => HistoryStore.open(garbage, { create: true })).to.throw(
      InputError,
      /cannot open the history database .*garbage\.db \(file is not a database\)/,
    );
    const newer = join(work, 'newer.db');
    const db = new DatabaseSync(newer);
    db.exec('PRAGMA user_version = 9');
    db.close();
    expect(() => HistoryStore.open(newer, { create: false })).to.throw(InputError, /written by a newer podchurn \(history schema 9\)/);
  });
});
