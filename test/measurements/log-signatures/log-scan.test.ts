import { expect } from 'chai';
import { buildPodRecords } from '../../../src/measurements/pod-lifecycle/pod-records.js';
import type { PodEvent } from '../../../src/engine/events.js';
import { attributeAndCorrelate, countBySignature, scanLog } from '../../../src/measurements/log-signatures/log-scan.js';
import { primaryLatency } from '../../../src/measurements/pod-lifecycle/primary-latency.js';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);
// Lines in the shape containerd 1.6/1.7 writes them (see ../shared/BRIEF.md §1).
const log = [
  `time="2026-01-01T00:02:30Z" level=error msg="StopContainer for ` +
    `\\"${a}\\" failed" error="rpc error: code = DeadlineExceeded desc = an error occurs during waiting for container ` +
    `\\"${a}\\" to be killed: wait container \\"${a}\\": context deadline exceeded"`,
  `time="2026-01-01T00:02:31Z" level=error msg="ExecSync for ` +
    `\\"${a}\\" failed" error="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"x\\": OCI runtime exec failed: exec ` +
    `failed: cannot exec in a stopped container: unknown"`,
  `time="2026-01-01T00:02:32Z" level=error msg="ExecSync for ` +
    `\\"${b}\\" failed" error="failed to exec in container: failed to start exec \\"y\\": OCI runtime exec failed: exec failed: cannot exec in a stopped ` +
    `container: unknown"`,
  `time="2026-01-01T00:02:33Z" level=info msg="StopContainer for \\"${b}\\" returns successfully"`,
  'time="2026-01-01T00:02:34Z" level=debug msg="processExits: skipping exit" runtime=io.containerd.runc.v2',
  `not utf-8: \uFFFD\uFFFD <script>alert(1)</script>`,
].join('\n');

const record = (pod: string, containerId: string): PodEvent => ({
  kind: 'created',
  pod,
  cell: 'cell-02',
  rep: 1,
  cycle: 1,
  replica: 0,
  mono: 1,
  wall: 1,
  data: { containerId },
});

describe('log signatures', () => {
  it('matches the lost-exit lines and names their containers', () => {
    const findings = scanLog(log, 'logs/containerd-1.log');
    expect(findings.map((f) => [f.signature, f.lineNumber, f.containerId])).to.deep.equal([
      ['stop-deadline', 1, a],
      ['exec-in-stopped', 2, a],
      ['exec-in-stopped', 3, b],
      ['shim-skipped-exit', 5, undefined],
    ]);
    expect(findings[0]!.time).to.equal('2026-01-01T00:02:30Z');
  });

  it('keeps "cannot exec in a stopped container" benign alone, and escalates it next to a hung stop', () => {
    const records = buildPodRecords([record('pod-a', a), record('pod-b', b)], primaryLatency('stop'), () => ({
      gracePeriodSeconds: 1,
      slackSeconds: 1,
      requestTimeoutSeconds: 1,
    }));
    const findings = attributeAndCorrelate(scanLog(log, 'x.log'), records);
    const execA = findings.find((f) => f.signature === 'exec-in-stopped' && f.containerId === a)!;
    const execB = findings.find((f) => f.signature === 'exec-in-stopped' && f.containerId === b)!;
    expect(execA).to.include({ benign: false, severity: 'error', pod: 'pod-a', cell: 'cell-02' });
    expect(execB).to.include({ benign: true, pod: 'pod-b' });
    expect(countBySignature(findings)).to.deep.equal({ 'stop-deadline': 1, 'exec-in-stopped': 2, 'shim-skipped-exit': 1 });
  });
});
