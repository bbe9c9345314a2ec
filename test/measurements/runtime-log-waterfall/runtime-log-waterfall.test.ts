import { expect } from 'chai';
import { buildPodRecords } from '../../../src/measurements/pod-lifecycle/pod-records.js';
import { primaryLatency } from '../../../src/measurements/pod-lifecycle/primary-latency.js';
import { attachRuntimeLogLines, readRuntimeStopLines } from '../../../src/measurements/runtime-log-waterfall/runtime-log-lines.js';
import { summarizeRuntimeLogWaterfall } from '../../../src/measurements/runtime-log-waterfall/runtime-log-waterfall.js';
import { podTimeline, type TimelineStep } from '../../helpers/pod-timeline.js';

const limits = { gracePeriodSeconds: 2, slackSeconds: 1, requestTimeoutSeconds: 10 };
/** podTimeline's wall clock: this epoch + mono. */
const epochMs = 1_700_000_000_000;
const time = (mono: number) => new Date(epochMs + mono).toISOString().replace('Z', '123456Z');
const hex = (seed: string) => seed.repeat(64).slice(0, 64);

/** containerd's CRI lines for one pod's deletion, worded as 1.7 and 2.x log them (2.x adds the exit event). */
function runtimeLines(container: string, sandbox: string, at: Record<string, number | undefined>): string {
  const line = (mono: number | undefined, msg: string) => (mono === undefined ? [] : [`time="${time(mono)}" level=info msg="${msg}"`]);
  return [
    ...line(90, `CreateContainer within sandbox \\"${sandbox}\\" for &ContainerMetadata{Name:workload,Attempt:0,} returns container id \\"${container}\\"`),
    ...line(at.stopReceived, `StopContainer for \\"${container}\\" with timeout 2 (s)`),
    ...line(at.stopReceived, `Stop container \\"${container}\\" with signal terminated`),
    ...line(at.exit, `received exit event container_id:\\"${container}\\"  id:\\"${container}\\"  pid:1371  exit_status:137`),
    ...line(at.stopReturned, `StopContainer for \\"${container}\\" returns successfully`),
    ...line(
      at.stopFailed,
      `StopContainer for \\"${container}\\" failed" error="rpc error: code = DeadlineExceeded desc = ` +
        'failed to stop container: wait container: context deadline exceeded',
    ),
    ...line(at.sandboxStop, `StopPodSandbox for \\"${sandbox}\\"`),
    ...line(at.teardown, `TearDown network for sandbox \\"${sandbox}\\" successfully`),
    ...line(at.sandboxStopped, `StopPodSandbox for \\"${sandbox}\\" returns successfully`),
    // A later StopContainer for the same container (the kubelet's cleanup): the first sighting stays.
    ...line(at.stopReturned === undefined ? undefined : at.stopReturned + 500, `StopContainer for \\"${container}\\" with timeout 2 (s)`),
  ].join('\n');
}

function kubePod(pod: string, replica: number, container: string, goneAt?: number) {
  const steps: TimelineStep[] = [
    ['create-sent', 0],
    ['running', 100, { containerId: container }],
    ['delete-sent', 1000],
  ];
  if (goneAt !== undefined) steps.push(['gone', goneAt]);
  return podTimeline(pod, steps, replica);
}

describe('runtime log waterfall (kube)', () => {
  const clean = hex('a');
  const stuck = hex('b');
  const unlogged = hex('c');
  /** The cell's three pods, each record given the lines `logs` hold about it. */
  const recordsWith = (logs: string[]) => {
    const records = buildPodRecords(
      [...kubePod('clean', 0, clean, 4000), ...kubePod('stuck', 1, stuck), ...kubePod('unlogged', 2, unlogged, 2000)],
      primaryLatency('deletion'),
      () => limits,
    );
    attachRuntimeLogLines(records, logs);
    return records;
  };
  const logs = [
    runtimeLines(clean, hex('1'), { stopReceived: 1040, exit: 3050, stopReturned: 3100, sandboxStop: 3110, teardown: 3300, sandboxStopped: 3310 }),
    `unrelated\ntime="${time(1)}" level=info msg="StartContainer for \\"${clean}\\" returns successfully"`,
    runtimeLines(stuck, hex('2'), { stopReceived: 1060, stopFailed: 13_060 }),
  ];
  const lines = readRuntimeStopLines(logs);

  it('reads each container’s and sandbox’s stop lines with the node’s time, first sighting first', () => {
    expect(lines.sandboxOf.get(clean)).to.equal(hex('1'));
    expect(lines.containers.get(clean)).to.deep.equal({ stopReceived: epochMs + 1040, exitReceived: epochMs + 3050, stopReturned: epochMs + 3100 });
    expect(lines.sandboxes.get(hex('1'))).to.deep.equal({ stopReceived: epochMs + 3110, networkTornDown: epochMs + 3300, stopReturned: epochMs + 3310 });
    expect(lines.containers.get(stuck)).to.deep.equal({ stopReceived: epochMs + 1060, stopFailed: epochMs + 13_060 });
    expect(lines.containers.has(unlogged)).to.equal(false);
  });

  it('gives each pod record its container’s and its sandbox’s lines', () => {
    const [cleanRecord, stuckRecord, unloggedRecord] = recordsWith(logs);
    expect(cleanRecord!.runtimeLog).to.deep.equal({ container: lines.containers.get(clean), sandbox: lines.sandboxes.get(hex('1')) });
    expect(stuckRecord!.runtimeLog).to.deep.equal({ container: lines.containers.get(stuck), sandbox: {} });
    expect(unloggedRecord!.runtimeLog).to.equal(undefined);
  });

  it('joins podchurn’s DELETE and DELETED with the runtime’s lines: counts and each phase', () => {
    const waterfall = summarizeRuntimeLogWaterfall(recordsWith(logs))!;
    expect(waterfall).to.include({ pods: 3, withStopContainer: 2, stopReturned: 1, stopFailed: 1, stopUnanswered: 0, withExitLine: 1, sandboxStopped: 1 });
    const p50 = (id: keyof typeof waterfall.phasesMs) => waterfall.phasesMs[id]?.p50;
    // DELETE sent at 1000: the clean pod's StopContainer at 1040, the stuck one's at 1060.
    expect(waterfall.phasesMs.sentToStopReceived).to.include({ count: 2, max: 60 });
    expect(p50('stopReceivedToExit')).to.equal(2010);
    expect(p50('stopInRuntime')).to.equal(2060);
    expect(p50('stopReturnedToSandboxStop')).to.equal(10);
    expect(p50('sandboxStopToNetworkTornDown')).to.equal(190);
    expect(p50('sandboxStop')).to.equal(200);
    expect(p50('sandboxStoppedToGone')).to.equal(690);
  });

  it('counts a StopContainer with neither a return nor a failure logged as unanswered', () => {
    const open = recordsWith([runtimeLines(stuck, hex('2'), { stopReceived: 1060 })]);
    expect(summarizeRuntimeLogWaterfall(open)).to.include({ withStopContainer: 1, stopReturned: 0, stopFailed: 0, stopUnanswered: 1 });
  });

  it('is absent when the logs name none of the cell’s containers', () => {
    expect(summarizeRuntimeLogWaterfall(recordsWith(['nothing here']))).to.equal(undefined);
  });
});
