import { expect } from 'chai';
import { TokenBucket } from '../../../src/targets/kube/token-bucket.js';

describe('token bucket (client-side qps/burst)', () => {
  it('lets a burst through at once, then one request per 1/qps seconds', async () => {
    const bucket = new TokenBucket(20, 3);
    const start = performance.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 7 }, () => bucket.take().then(() => times.push(performance.now() - start))));
    times.sort((a, b) => a - b);
    expect(times.slice(0, 3).every((t) => t < 20)).to.equal(true);
    // Four more at 20/s: the k-th after the burst no earlier than k/qps (a grant delayed by a loaded machine lets the
    // next one follow sooner, as tokens kept accruing, so the bound is on the sum, not on each gap). Timers may fire
    // up to a millisecond before a precise clock says they are due.
    for (let k = 1; k <= 4; k++) expect(times[2 + k]!, `request ${3 + k}`).to.be.at.least(k * 50 - 2);
  });

  it('fill() gives a new phase a full burst however empty the bucket was', async () => {
    const bucket = new TokenBucket(5, 4);
    for (let i = 0; i < 4; i++) await bucket.take();
    // Empty: the next request would wait 1/qps = 200 ms. After fill(), four go at once.
    bucket.fill();
    const start = performance.now();
    for (let i = 0; i < 4; i++) await bucket.take();
    expect(performance.now() - start).to.be.below(100);
    const fifth = performance.now();
    await bucket.take();
    expect(performance.now() - fifth).to.be.at.least(150);
  });

  it('rejects settings that could never let a request through', () => {
    expect(() => new TokenBucket(0, 1)).to.throw(RangeError);
    expect(() => new TokenBucket(1, 0)).to.throw(RangeError);
  });
});
