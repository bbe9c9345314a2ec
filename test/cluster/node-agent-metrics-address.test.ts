import { expect } from 'chai';
import { isLoopbackAddress } from '../../src/cluster/node-agent.js';

describe("node agent: where containerd's metrics address is reached from", () => {
  it('a loopback address only from the host network namespace', () => {
    for (const address of ['127.0.0.1:1338', '127.0.0.53:9000', 'localhost:1338', '[::1]:1338']) {
      expect(isLoopbackAddress(address), address).to.equal(true);
    }
  });
  it('a wildcard or routable address from the pod network', () => {
    for (const address of ['0.0.0.0:1338', '[::]:1338', '10.0.0.7:1338', 'node-1.example:1338', '[fd00::1]:1338', '1127.0.0.1:1']) {
      expect(isLoopbackAddress(address), address).to.equal(false);
    }
  });
});
