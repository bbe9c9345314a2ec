import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { CriCallError } from '../../../src/cri/client.js';
import { classifyProbeError } from '../../../src/targets/cri/exec-prober.js';

const unknown = (details: string) => new CriCallError('ExecSync', grpc.status.UNKNOWN, details);

describe('exec probe classification', () => {
  const cases: [Error, string][] = [
    [
      unknown('failed to exec in container: failed to start exec "x": OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown'),
      'cannot-exec-stopped',
    ],
    [unknown('failed to exec in container: container is in CONTAINER_EXITED state'), 'not-running'],
    [unknown('an error occurred when try to find container "x": not found'), 'not-running'],
    [
      unknown('OCI runtime exec failed: exec failed: unable to start container process: error writing config to pipe: write init-p: broken pipe: unknown'),
      'exec-start-failed',
    ],
    [
      unknown('OCI runtime exec failed: exec failed: unable to start container process: error executing setns process: exit status 1: unknown'),
      'exec-start-failed',
    ],
    [new CriCallError('ExecSync', grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'deadline'],
    [new CriCallError('ExecSync', grpc.status.UNAVAILABLE, 'No connection established'), 'unavailable'],
    [unknown('something else entirely'), 'other-error'],
  ];
  for (const [error, expected] of cases) {
    it(`${expected}: ${error.message.slice(0, 70)}`, () => expect(classifyProbeError(error)).to.equal(expected));
  }
});
