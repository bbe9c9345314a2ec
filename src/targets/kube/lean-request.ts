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
