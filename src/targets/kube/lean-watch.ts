import { STATUS_CODES } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { openKubeRequest } from '../../cluster/kube-request.js';

export type WatchQuery = Record<string, string | number | boolean | undefined>;

/**
 * @kubernetes/client-node's `Watch.watch` contract over Node's http(s) (lean-request.ts): the library
 * reads each watch answer through undici's fetch, a web stream turned into a Node stream and readline,
 * and restarts a timer per chunk, which cost more CPU than parsing the events themselves on a churn of
 * thousands of pods (bench/results/kube-burner.md). Here the answer is split into lines as it arrives.
 *
 * The contract, as the library's: `onEvent(type, object)` per event line (a line that is not JSON, or a
 * handler that throws, is skipped); `done(error)` exactly once, with null when the server ended the
 * watch, an Error with `statusCode` for an answer other than 200, or the connection's error (an
 * abort included); the promise resolves with the controller that ends the watch, once the answer has
 * arrived (after `done` for one that is not a 200) or the request failed.
 */
export class LeanWatch {
  constructor(
    private readonly kubeConfig: KubeConfig,
    /** A connection silent this long is given up on (`done` with an error). */
    private readonly inactivityMs: number,
  ) {}

  watch(path: string, query: WatchQuery, onEvent: (type: string, object: unknown) => void, done: (error: unknown) => void): Promise<AbortController> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) return Promise.reject(new Error('the kubeconfig names no current cluster'));
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    url.searchParams.set('watch', 'true');
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    const controller = new AbortController();
    let finished = false;
    const finish = (error: unknown): void => {
      if (finished) return;
      finished = true;
      controller.abort();
      done(error);
    };
    const deliver = (line: string): void => {
      if (line.length === 0) return;
      try {
        const event = JSON.parse(line) as { type: string; object: unknown };
        onEvent(event.type, event.object);
      } catch {
        // As the library: a broken line or a failing handler does not end the watch.
      }
    };
    return new Promise((resolve) => {
      const answered = () => resolve(controller);
      openKubeRequest(
        this.kubeConfig,
        url,
        'GET',
        { Accept: 'application/json' },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status !== 200) {
            response.resume();
            finish(Object.assign(new Error(STATUS_CODES[status] ?? `HTTP ${status}`), { statusCode: status }));
            answered();
            return;
          }
          response.setEncoding('utf8');
          let partial = '';
          response.on('data', (chunk: string) => {
            const text = partial + chunk;
            let start = 0;
            for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
              deliver(text.slice(start, end));
              start = end + 1;
            }
            partial = text.slice(start);
          });
          response.on('end', () => finish(null));
          response.on('error', finish);
          response.on('close', () => finish(null));
          answered();
        },
        controller.signal,
      ).then(
        (request) => {
          request.on('error', (error) => {
            finish(error);
            answered();
          });
          request.setTimeout(this.inactivityMs, () => request.destroy(new Error(`the watch was silent for ${this.inactivityMs / 1000}s`)));
          request.end();
        },
        (error: unknown) => {
          finish(error);
          answered();
        },
      );
    });
  }
}
