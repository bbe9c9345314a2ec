/**
 * TypeScript shapes of the runtime.v1 messages podchurn uses (proto/cri/runtime_v1.proto).
 * Field names stay in the wire's snake_case; int64 values arrive as decimal strings so nanosecond
 * timestamps keep their precision; enums arrive as their names.
 */

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type Labels = Record<string, string>;

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
}

export interface PodSandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt?: number };
  hostname?: string;
  log_directory?: string;
  labels?: Labels;
  annotations?: Labels;
  linux?: { cgroup_parent?: string; security_context?: { namespace_options?: NamespaceOption; privileged?: boolean } };
}

export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  envs?: { key: string; value: string }[];
  labels?: Labels;
  annotations?: Labels;
  log_path?: string;
  linux?: { security_context?: { namespace_options?: NamespaceOption; privileged?: boolean } };
}

export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface PodSandbox {
  id: string;
  metadata: { name: string; uid: string; namespace: string } | null;
  state: PodSandboxState;
  labels: Labels;
}

export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string } | null;
  state: ContainerState;
  labels: Labels;
}

export interface ContainerStatus {
  id: string;
  state: ContainerState;
  created_at: string;
  started_at: string;
  finished_at: string;
  exit_code: number;
  reason: string;
  message: string;
}

export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  info: Record<string, string>;
}

export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exit_code: number;
}

export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

/** One message of GetContainerEvents; `created_at` is the runtime's own wall-clock time of the event, ns. */
export interface ContainerEventResponse {
  container_id: string;
  container_event_type: ContainerEventType;
  created_at: string;
}
