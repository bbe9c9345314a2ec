/**
 * Log lines that mean something for pod termination, with where the knowledge comes from.
 * `benignAlone` marks lines that are harmless by themselves and only matter next to another
 * signature for the same container (see correlate.ts).
 */
export interface Signature {
  id: string;
  severity: 'info' | 'warning' | 'error';
  description: string;
  reference: string;
  benignAlone: boolean;
  /** Group 1, when present, captures the 64-hex container id the line is about. */
  pattern: RegExp;
}

const id = String.raw`\\?"?([0-9a-f]{64})\\?"?`;

export const signatureCatalog: readonly Signature[] = [
  {
    id: 'stop-deadline',
    severity: 'error',
    description: 'StopContainer gave up waiting for the container to be killed: the caller deadline expired',
    reference: 'containerd/containerd#10589',
    benignAlone: false,
    pattern: new RegExp(`StopContainer for ${id} failed.*(?:context deadline exceeded|DeadlineExceeded)`),
  },
  {
    id: 'stop-canceled',
    severity: 'warning',
    description: 'StopContainer was cancelled by its caller while waiting for the container to exit',
    reference: 'containerd/containerd#10589',
    benignAlone: false,
    pattern: new RegExp(`StopContainer for ${id} failed.*(?:code = Canceled|context canceled)`),
  },
  {
    id: 'exec-in-stopped',
    severity: 'warning',
    description: 'runc refused an exec because the container has stopped (CRI still routed it there)',
    reference: 'containerd/containerd#10589; benign race on its own',
    benignAlone: true,
    pattern: new RegExp(`ExecSync for ${id} failed.*cannot exec in a stopped container`),
  },
  {
    id: 'shim-skipped-exit',
    severity: 'error',
    description: 'The runc shim skipped publishing an init exit while execs were pending (shim debug log)',
    reference: 'containerd/containerd#10603, fixed by #10651 (v1.7.22, v1.6.36)',
    benignAlone: false,
    pattern: /processExits: skipping exit/,
  },
  {
    id: 'task-exit-failed',
    severity: 'warning',
    description: 'containerd failed to handle a container exit event',
    reference: 'containerd/containerd#7496, #8931',
    benignAlone: false,
    pattern: new RegExp(`(?:failed to handle|Failed to handle).*(?:TaskExit|exit event).*?${id}?`),
  },
  {
    id: 'task-exit',
    severity: 'info',
    description: 'containerd received a container exit event (count it against the stops)',
    reference: 'containerd CRI event monitor',
    benignAlone: true,
    // 2.x's sandbox controller logs each exit a second time ("TaskExit event in podsandbox handler",
    // containerd/containerd#11836, #11837): routine noise that must not count as another exit.
    pattern: /TaskExit event (?!in podsandbox handler).*?(?:ContainerID:|container_id:"?|id:")([0-9a-f]{64})/,
  },
  {
    id: 'stop-sandbox-failed',
    severity: 'warning',
    description: 'StopPodSandbox failed',
    reference: 'containerd CRI plugin',
    benignAlone: false,
    pattern: new RegExp(`StopPodSandbox for ${id} failed`),
  },
];
