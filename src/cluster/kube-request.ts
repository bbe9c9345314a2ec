import { type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * Opens a request to the API server with Node's http(s) and the options the kubeconfig gives
 * (`applyToHTTPSOptions`: credentials, and the shared keep-alive agent of cluster/kube-connection.ts),
 * for the calls podchurn makes per pod or per event, where @kubernetes/client-node's own path (undici's
 * fetch, web streams, the model classes) costs more than the API server's work (bench/results/kube-burner.md).
 * The caller writes the body and ends the request.
 */
export async function openKubeRequest(
  kubeConfig: KubeConfig,
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  onResponse: (response: IncomingMessage) => void,
  signal?: AbortSignal,
): Promise<ClientRequest> {
  const options: RequestOptions = { method, headers, ...(signal ? { signal } : {}) };
  await kubeConfig.applyToHTTPSOptions(options);
  return (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, options, onResponse);
}

/** An API server's whole answer: status, headers and body as text. */
export interface KubeAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/**
 * Sends one request through `openKubeRequest` and reads the whole answer. A connection that stays silent
 * for `timeoutMs` is an API that does not answer: the request fails then, rather than wait forever.
 */
export function sendKubeRequest(
  kubeConfig: KubeConfig,
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: string | undefined,
  timeoutMs: number,
): Promise<KubeAnswer> {
  return new Promise((resolve, reject) => {
    openKubeRequest(kubeConfig, url, method, headers, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    }).then((request) => {
      request.on('error', reject);
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
      request.end(body);
    }, reject);
  });
}
