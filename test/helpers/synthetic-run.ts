import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/stats/prng.js';
import type { PodEventKind, RecordedEvent } from '../../src/engine/events.js';

/**
 * A deterministic, realistic run directory without a runtime: the shape a CRI run of the
 * lost-exit scenario writes (scenario.yaml, environment.json, events.jsonl, logs/). Used for the
 * committed golden fixture and by the report-rendering benchmark.
 */
export interface SyntheticCell {
  containerd: string;
  runc: string;
  /** Median stop latency in ms; the spread is log-normal around it. */
  medianStopMs: number;
  /** Every n-th pod's stop hangs (stuck + state-mismatch, forced at cleanup); 0 for none. */
  stuckEvery: number;
  /** A slow tail that leaves the rest alone: a stop that would take longer than aboveMs takes factor times as long. */
  tail?: { aboveMs: number; factor: number };
}

export interface SyntheticRunOptions {
  runId: string;
  podsPerCell: number;
  cells: SyntheticCell[];
  seed: number;
  /** Put a markup-looking string into a log line and an error message, to test escaping. */
  hostile?: string;
  startWall?: number;
}

export interface SyntheticRun {
  scenarioYaml: string;
  environment: unknown;
  events: RecordedEvent[];
  log: string;
}

const containerId = (pod: string) => createHash('sha256').update(`container ${pod}`).digest('hex');
const sandboxId = (pod: string) => createHash('sha256').update(`sandbox ${pod}`).digest('hex');

export function synthesizeRun(options: SyntheticRunOptions): SyntheticRun {
  const random = seededRandom(options.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const startWall = options.startWall ?? Date.UTC(2026, 10, 27, 18, 0, 0);
  const events: RecordedEvent[] = [];
  const logLines: { wall: number; text: string }[] = [];
  const stamp = (mono: number) => ({ mono: Math.round(mono * 1000) / 1000, wall: startWall + Math.round(mono) });
  const iso = (mono: number) => new Date(startWall + mono).toISOString().replace('Z', '000Z');
  let mono = 0.1;
  events.push({ ...stamp(mono), kind: 'run-start', data: { runId: options.runId, scenarioFile: 'scenarios/cri-lost-exit.yaml', overrides: [] } });
  options.cells.forEach((cell, index) => {
    const cellId = `cell-${String(index + 1).padStart(2, '0')}`;
    mono += 400;
    events.push({
      ...stamp(mono),
      kind: 'cell-start',
      cell: cellId,
      data: { rep: 1, name: `runtime.containerd=${cell.containerd}`, runtime: `${options.runId}-${index + 1}` },
    });
    const forced: { pod: string; object: string }[] = [];
    const cellStart = mono;
    let cellEnd = mono;
    for (let replica = 0; replica < options.podsPerCell; replica++) {
      const pod = `cri-lost-exit-c${String(index + 1).padStart(2, '0')}-r1-y1-${String(replica).padStart(4, '0')}`;
      const identity = { pod, cell: cellId, rep: 1, cycle: 1, replica };
      const cid = containerId(pod);
      const t0 = cellStart + replica * 0.5;
      const push = (kind: PodEventKind, at: number, data?: Record<string, unknown>) =>
        events.push({ ...stamp(at), kind, ...identity, ...(data ? { data } : {}) });
      const running = t0 + 400 + random() * 600;
      const deleteSent = running + 2000;
      push('create-sent', t0);
      push('sandbox-ready', t0 + 150, { sandboxId: sandboxId(pod) });
      push('created', t0 + 250, { containerId: cid });
      push('running', running);
      push('ready', running);
      push('delete-sent', deleteSent, { timeoutSeconds: 2 });
      const hangs = cell.stuckEvery > 0 && replica % cell.stuckEvery === cell.stuckEvery - 1;
      if (hangs) {
        const failedAt = deleteSent + 22000;
        const message = `StopContainer: DEADLINE_EXCEEDED: Deadline exceeded after 22.000s${options.hostile ? ` ${options.hostile}` : ''}`;
        push('stop-failed', failedAt, { code: 'DEADLINE_EXCEEDED', message });
        push('state-mismatch', failedAt + 60, { containerId: cid, criState: 'CONTAINER_RUNNING', pid: 2000 + replica, processAlive: false });
        push('probe-summary', failedAt + 61, { counts: { ok: 20, 'cannot-exec-stopped': 90, 'not-running': 0 } });
        forced.push({ pod, object: `container/${cid.slice(0, 12)}` }, { pod, object: `sandbox/${sandboxId(pod).slice(0, 12)}` });
        const hostile = options.hostile ? ` ${options.hostile}` : '';
        logLines.push({
          wall: deleteSent + 900,
          text:
            `time="${iso(deleteSent + 900)}" level=error msg="ExecSync for ` +
            `\\"${cid}\\" failed" error="failed to exec in container: failed to start exec ` +
            `\\"${containerId(`${pod} exec`)}\\":${hostile} OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown"`,
        });
        logLines.push({
          wall: failedAt - 5,
          text:
            `time="${iso(failedAt - 5)}" level=error msg="StopContainer for ` +
            `\\"${cid}\\" failed" error="rpc error: code = DeadlineExceeded desc = an error occurs during waiting for container ` +
            `\\"${cid}\\" to be killed: wait container \\"${cid}\\": context deadline exceeded"`,
        });
        cellEnd = Math.max(cellEnd, failedAt + 61);
      } else {
        const drawnMs = cell.medianStopMs * Math.exp(0.08 * gauss());
        const stopMs = cell.tail && drawnMs > cell.tail.aboveMs ? drawnMs * cell.tail.factor : drawnMs;
        const returned = deleteSent + stopMs;
        push('stop-returned', returned);
        push('probe-summary', returned + 5, { counts: { ok: 25, 'nonzero-exit': 3, 'not-running': 1 } });
        push('terminated', returned + 100, { criState: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
        push('removed', returned + 250 + random() * 50);
        push('gone', returned + 800 + random() * 200);
        logLines.push({ wall: deleteSent, text: `time="${iso(deleteSent)}" level=info msg="StopContainer for \\"${cid}\\" with timeout 2 (s)"` });
        if (replica % 7 === 3) {
          // The benign race: an exec arriving as the container stops, on a stop that returned fine.
          logLines.push({
            wall: returned - 20,
            text:
              `time="${iso(returned - 20)}" level=error msg="ExecSync for ` +
              `\\"${cid}\\" failed" error="failed to exec in container: failed to start exec ` +
              `\\"${containerId(`${pod} exec`)}\\": OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown"`,
          });
        }
        cellEnd = Math.max(cellEnd, returned + 1000);
      }
    }
    mono = cellEnd + 100;
    events.push({ ...stamp(mono), kind: 'cleanup', cell: cellId, data: { forced, leftovers: [] } });
    events.push({ ...stamp(mono + 1), kind: 'cell-end', cell: cellId, data: { rep: 1 } });
    mono += 2;
  });
  options.cells.forEach((_, index) => {
    mono += 300;
    events.push({ ...stamp(mono), kind: 'cleanup', data: { forced: [], leftovers: [], killedShims: 0, runtime: `${options.runId}-${index + 1}` } });
    events.push({ ...stamp(mono + 1), kind: 'runtime-teardown', data: { runtime: `${options.runId}-${index + 1}`, managed: true, unmountFailures: [] } });
  });
  events.push({ ...stamp(mono + 10), kind: 'run-end', data: { status: 'completed' } });
  events.sort((a, b) => a.mono - b.mono);
  logLines.sort((a, b) => a.wall - b.wall);
  return {
    scenarioYaml: scenarioYaml(options),
    environment: environment(options),
    events,
    log: `${logLines.map((l) => l.text).join('\n')}\n`,
  };
}

function scenarioYaml(options: SyntheticRunOptions): string {
  return `# Synthetic run for tests: the shape podchurn writes for the cri-lost-exit scenario
apiVersion: podchurn/v1
kind: Scenario
metadata:
  name: cri-lost-exit
  description: exec storms during container exit
target:
  type: cri
runtime:
  containerd: ${options.cells[0]!.containerd}
  runc: ${options.cells[0]!.runc}
pods: ${options.podsPerCell}
batchSize: ${Math.min(options.podsPerCell, 50)}
concurrency: ${Math.min(options.podsPerCell, 50)}
cycles: 1
holdSeconds: 2
gracePeriodSeconds: 2
requestTimeoutSeconds: 20
slackSeconds: 10
workload:
  onSigterm: exit
execProbe:
  enabled: true
  periodMs: 20
  timeoutSeconds: 5
  command: [date]
matrix:
  runtime.containerd: [${options.cells.map((c) => `"${c.containerd}"`).join(', ')}]
repetitions: 1
gates:
  maxStuck: 0
  maxStateMismatch: 0
  maxP99StopMs: 5000
`;
}

function environment(options: SyntheticRunOptions): unknown {
  return {
    schemaVersion: 1,
    podchurnVersion: '0.1.0',
    host: { hostname: 'fixture', os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0', cgroup: 'v2', cpus: 4, memoryBytes: 8589934592, node: 'v20.19.0' },
    runtimes: options.cells.map((cell, index) => ({
      instance: `${options.runId}-${index + 1}`,
      managed: true,
      endpoint: `/run/podchurn/${options.runId}-${index + 1}/containerd.sock`,
      requested: { containerd: `containerd@${cell.containerd}`, runc: `runc@${cell.runc}` },
      measured: { containerd: cell.containerd, shim: cell.containerd, runc: cell.runc },
      cri: { runtimeName: 'containerd', runtimeVersion: `v${cell.containerd}`, apiVersion: 'v1' },
      settingsApplied: {},
      notes: [],
      cells: [`cell-${String(index + 1).padStart(2, '0')}`],
    })),
  };
}

/** Writes a synthesized run as a run directory podchurn can analyse. */
export function writeSyntheticRun(dir: string, run: SyntheticRun): void {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'scenario.yaml'), run.scenarioYaml);
  writeFileSync(join(dir, 'environment.json'), `${JSON.stringify(run.environment, null, 2)}\n`);
  writeFileSync(join(dir, 'events.jsonl'), run.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  writeFileSync(join(dir, 'logs', 'containerd-1.log'), run.log);
}
