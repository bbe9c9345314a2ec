import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type {
  Container,
  ContainerConfig,
  ContainerEventResponse,
  ContainerState,
  ContainerStatusResponse,
  ExecSyncResponse,
  Labels,
  PodSandbox,
  PodSandboxConfig,
  RuntimeCondition,
  VersionResponse,
} from './types.js';
import { packagePath } from '../util/package-root.js';

const protoFile = packagePath('proto', 'cri', 'runtime_v1.proto');

/** A failed CRI call, keeping the gRPC status so callers can tell a deadline from a refusal. */
export class CriCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(`${method}: ${grpc.status[code] ?? code}: ${details}`, options);
    this.name = 'CriCallError';
  }

  get codeName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }

  /** The runtime could not be reached at all (socket gone, daemon dead). */
  get unreachable(): boolean {
    return this.code === grpc.status.UNAVAILABLE;
  }
}

type Unary = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<unknown>) => grpc.ClientUnaryCall;
type ServerStreaming = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
type ServiceClient = grpc.Client & Record<string, Unary>;

let cachedDefinition: grpc.GrpcObject | undefined;
function criDefinition(): grpc.GrpcObject {
  cachedDefinition ??= grpc.loadPackageDefinition(loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }));
  return cachedDefinition;
}

export interface CallOptions {
  /** Whole-call deadline in milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A typed client for one CRI endpoint. Every call carries a deadline (DEFAULT_TIMEOUT_MS unless
 * given) because a runtime that stops answering must surface as an error, never as a hang.
 */
export class CriClient {
  static readonly DEFAULT_TIMEOUT_MS = 30_000;
  private readonly runtime: ServiceClient;
  private readonly images: ServiceClient;

  constructor(readonly endpoint: string) {
    const v1 = (criDefinition().runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const address = endpoint.startsWith('unix:') ? endpoint : `unix://${endpoint}`;
    const options = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
    const RuntimeService = v1.RuntimeService as grpc.ServiceClientConstructor;
    const ImageService = v1.ImageService as grpc.ServiceClientConstructor;
    this.runtime = new RuntimeService(address, grpc.credentials.createInsecure(), options) as ServiceClient;
    this.images = new ImageService(address, grpc.credentials.createInsecure(), options) as ServiceClient;
  }

  close(): void {
    this.runtime.close();
    this.images.close();
  }

  version(options?: CallOptions): Promise<VersionResponse> {
    return this.call(this.runtime, 'Version', { version: 'v1' }, options);
  }

  async conditions(options?: CallOptions): Promise<RuntimeCondition[]> {
    const response = await this.call<{ status: { conditions: RuntimeCondition[] } | null }>(this.runtime, 'Status', {}, options);
    return response.status?.conditions ?? [];
  }

  async runPodSandbox(config: PodSandboxConfig, options?: CallOptions): Promise<string> {
    const response = await this.call<{ pod_sandbox_id: string }>(this.runtime, 'RunPodSandbox', { config }, options);
    return response.pod_sandbox_id;
  }

  async stopPodSandbox(podSandboxId: string, options?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'StopPodSandbox', { pod_sandbox_id: podSandboxId }, options);
  }

  async removePodSandbox(podSandboxId: string, options?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'RemovePodSandbox', { pod_sandbox_id: podSandboxId }, options);
  }

  /** The sandbox's verbose info (containerd: `info`, a JSON document holding its runtime spec); the status itself is not decoded. */
  async podSandboxInfo(podSandboxId: string, options?: CallOptions): Promise<Record<string, string>> {
    const response = await this.call<{ info: Record<string, string> }>(
      this.runtime,
      'PodSandboxStatus',
      { pod_sandbox_id: podSandboxId, verbose: true },
      options,
    );
    return response.info ?? {};
  }

  async listPodSandboxes(labelSelector: Labels, options?: CallOptions): Promise<PodSandbox[]> {
    const response = await this.call<{ items: PodSandbox[] }>(this.runtime, 'ListPodSandbox', { filter: { label_selector: labelSelector } }, options);
    return response.items;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, options?: CallOptions): Promise<string> {
    const response = await this.call<{ container_id: string }>(
      this.runtime,
      'CreateContainer',
      { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig },
      options,
    );
    return response.container_id;
  }

  async startContainer(containerId: string, options?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'StartContainer', { container_id: containerId }, options);
  }

  /** `timeoutSeconds` is the grace between the stop signal and SIGKILL (0 = kill now). */
  async stopContainer(containerId: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'StopContainer', { container_id: containerId, timeout: String(timeoutSeconds) }, options);
  }

  async removeContainer(containerId: string, options?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'RemoveContainer', { container_id: containerId }, options);
  }

  async listContainers(filter: { labelSelector?: Labels; state?: ContainerState }, options?: CallOptions): Promise<Container[]> {
    const request = {
      filter: { label_selector: filter.labelSelector ?? {}, ...(filter.state ? { state: { state: filter.state } } : {}) },
    };
    const response = await this.call<{ containers: Container[] }>(this.runtime, 'ListContainers', request, options);
    return response.containers;
  }

  containerStatus(containerId: string, verbose: boolean, options?: CallOptions): Promise<ContainerStatusResponse> {
    return this.call(this.runtime, 'ContainerStatus', { container_id: containerId, verbose }, options);
  }

  execSync(containerId: string, cmd: readonly string[], timeoutSeconds: number, options?: CallOptions): Promise<ExecSyncResponse> {
    return this.call(this.runtime, 'ExecSync', { container_id: containerId, cmd, timeout: String(timeoutSeconds) }, options);
  }

  /**
   * Subscribes to GetContainerEvents, a server-streaming call that lives until `cancel()`, so it has
   * no deadline. `onEnd` gets the error that ended it, or null once the runtime closed the stream
   * itself; a stream ended by `cancel()` reports nothing. A runtime that does not serve the call ends
   * it at once with UNIMPLEMENTED.
   */
  containerEvents(onEvent: (event: ContainerEventResponse) => void, onEnd: (error: CriCallError | null) => void): { cancel(): void } {
    const method = 'GetContainerEvents';
    const open = (this.runtime as unknown as Record<string, ServerStreaming>)[method];
    if (!open) throw new Error(`CRI method ${method} is not in the proto definition`);
    let cancelled = false;
    let ended = false;
    const stream = open.call(this.runtime, {}, new grpc.Metadata(), {});
    const end = (error: CriCallError | null) => {
      if (ended) return;
      ended = true;
      if (!cancelled) onEnd(error);
    };
    stream.on('data', (message) => onEvent(message as ContainerEventResponse));
    stream.on('error', (error: grpc.ServiceError) =>
      end(new CriCallError(method, error.code ?? grpc.status.UNKNOWN, error.details ?? error.message, { cause: error })),
    );
    stream.on('end', () => end(null));
    return {
      cancel() {
        cancelled = true;
        stream.cancel();
      },
    };
  }

  async imagePresent(image: string, options?: CallOptions): Promise<boolean> {
    const response = await this.call<{ image: { id: string } | null }>(this.images, 'ImageStatus', { image: { image } }, options);
    return Boolean(response.image?.id);
  }

  private call<T>(client: ServiceClient, method: string, request: object, options: CallOptions = {}): Promise<T> {
    const unary = client[method];
    if (!unary) return Promise.reject(new Error(`CRI method ${method} is not in the proto definition`));
    const deadline = Date.now() + (options.timeoutMs ?? CriClient.DEFAULT_TIMEOUT_MS);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = unary.call(client, request, new grpc.Metadata(), { deadline }, (error, response) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          const status = error as grpc.ServiceError;
          reject(new CriCallError(method, status.code ?? grpc.status.UNKNOWN, status.details ?? status.message, { cause: error }));
        } else {
          resolve(response as T);
        }
      });
      if (options.signal?.aborted) call.cancel();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
