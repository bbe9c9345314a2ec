import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { InfrastructureError, describeCause } from '../errors.js';

/** Collects what a stream receives, as text once it ends. */
class TextSink extends Writable {
  private readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs a command in a pod's container through the API's exec (the kubelet's streaming, as `kubectl exec`):
 * resolves with its stdout when it exits 0, rejects with its status and stderr otherwise. An abort closes the
 * connection, which ends the command's streams on the node.
 */
export async function execInPod(
  kubeConfig: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  argv: readonly string[],
  signal?: AbortSignal,
): Promise<string> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const where = `${target.namespace}/${target.pod}`;
  return new Promise<string>((resolve, reject) => {
    let status: V1Status | undefined;
    new Exec(kubeConfig)
      .exec(target.namespace, target.pod, target.container, [...argv], stdout, stderr, null, false, (received) => {
        status = received;
      })
      .then(
        (socket) => {
          const abort = () => socket.close();
          signal?.addEventListener('abort', abort, { once: true });
          socket.on('error', (error: Error) => reject(new InfrastructureError(`exec in ${where}: ${describeCause(error)}`, { cause: error })));
          socket.on('close', () => {
            signal?.removeEventListener('abort', abort);
            if (status?.status === 'Success') return resolve(stdout.text());
            const why = status?.message ?? (signal?.aborted ? 'aborted' : 'the connection closed without an exit status');
            const output = stderr.text().trim();
            reject(new InfrastructureError(`exec in ${where} failed: ${why}${output ? `: ${output}` : ''}`));
          });
        },
        (error: unknown) => reject(new InfrastructureError(`exec in ${where}: ${describeCause(error)}`, { cause: error })),
      );
  });
}
