import { expect } from 'chai';
import { RuntimeStepSchedule } from '../../src/engine/runtime-step.js';

const never = new AbortController().signal;

describe('runtime step among the creates (duringCreatesAfterMs)', () => {
  it("starts once, at the first create of its cycle, lands that long after, and the cycle's hold waits for it", async () => {
    const performed: number[] = [];
    const schedule = new RuntimeStepSchedule({
      afterCycleHold: 2,
      duringCreatesAfterMs: 30,
      perform: async () => {
        performed.push(performance.now());
      },
    });
    schedule.beginCreate(1, never);
    await schedule.afterHold(1, never);
    expect(performed).to.deep.equal([]);
    const started = performance.now();
    schedule.beginCreate(2, never);
    schedule.beginCreate(2, never);
    expect(schedule.hasBegun).to.equal(false);
    await schedule.afterHold(2, never);
    expect(performed).to.have.length(1);
    expect(performed[0]! - started).to.be.at.least(25);
    expect(schedule.hasBegun).to.equal(true);
    // Awaited at the hold, so nothing is left for the deletes.
    expect(await schedule.afterDeletes()).to.equal(false);
  });

  it("throws the step's failure from the cycle's hold, before its deletes", async () => {
    const schedule = new RuntimeStepSchedule({
      afterCycleHold: 1,
      duringCreatesAfterMs: 1,
      perform: async () => {
        throw new Error('containerd did not come back');
      },
    });
    schedule.beginCreate(1, never);
    let caught: unknown;
    await schedule.afterHold(1, never).catch((error: unknown) => {
      caught = error;
    });
    expect((caught as Error).message).to.equal('containerd did not come back');
  });
});
