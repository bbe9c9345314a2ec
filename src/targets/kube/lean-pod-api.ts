import {
  ApiException,
  type Configuration,
  CoreV1Api,
  type CoreV1ApiCreateNamespacedPodRequest,
  type CoreV1ApiDeleteNamespacedPodRequest,
  KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { sendKubeRequest } from '../../cluster/kube-request.js';

const REQUEST_TIMEOUT_MS = 60_000;

/**
 * CoreV1Api whose pod create and delete, the two calls a churn makes per pod, are thin requests
 * (lean-request.ts), the manifest sent as JSON (it is built in
 * the API's JSON shape, pod-manifest.ts) and the answer JSON.parse'd. The library's own path costs
 * more per call than the API server's work on it: undici's fetch (WHATWG headers, streams and
 * response per request) and the generated client's (de)serialisation of every Pod into and out of
 * its model classes (bench/results/kube-burner.md has the profile and the figures before and after).
 * Non-2xx answers throw the library's ApiException (status, body text, headers), as its methods do.
 * The objects returned are the API's JSON: timestamps are strings, not Date (the watch's objects are
 * the same; their consumers accept both). Every other call is the library's unchanged.
 */
export class LeanPodApi extends CoreV1Api {
  private readonly server: string;
  private readonly kubeConfig: KubeConfig;

  constructor(configuration: Configuration) {
    super(configuration);
    const auth = configuration.authMethods.default;
    if (!(auth instanceof KubeConfig)) throw new Error('LeanPodApi is made by KubeConfig.makeApiClient');
    this.kubeConfig = auth;
    this.server = configuration.baseServer.makeRequestContext('', 'GET').getUrl().replace(/\/$/, '');
  }

  override createNamespacedPod(param: CoreV1ApiCreateNamespacedPodRequest): Promise<V1Pod> {
    return this.send('POST', `/api/v1/namespaces/${encodeURIComponent(param.namespace)}/pods`, JSON.stringify(param.body));
  }

  override deleteNamespacedPod(param: CoreV1ApiDeleteNamespacedPodRequest): Promise<V1Pod> {
    const query = new URLSearchParams();
    if (param.gracePeriodSeconds !== undefined) query.set('gracePeriodSeconds', String(param.gracePeriodSeconds));
    if (param.propagationPolicy !== undefined) query.set('propagationPolicy', param.propagationPolicy);
    const path = `/api/v1/namespaces/${encodeURIComponent(param.namespace)}/pods/${encodeURIComponent(param.name)}`;
    return this.send('DELETE', query.size ? `${path}?${query}` : path, param.body === undefined ? undefined : JSON.stringify(param.body));
  }

  private async send(method: string, path: string, body: string | undefined): Promise<V1Pod> {
    const headers = { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
    const url = new URL(this.server + path);
    // Like undici's own limit for the library's calls, not forever: a connection that went silent is
    // an API that does not answer, which the caller's retry policy (api-retry.ts) deals with.
    const { status, headers: answerHeaders, text } = await sendKubeRequest(this.kubeConfig, url, method, headers, body, REQUEST_TIMEOUT_MS);
    if (status < 200 || status > 299) {
      const flat = Object.fromEntries(Object.entries(answerHeaders).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
      throw new ApiException(status, 'Unknown API Status Code!', text, flat);
    }
    return JSON.parse(text) as V1Pod;
  }
}
