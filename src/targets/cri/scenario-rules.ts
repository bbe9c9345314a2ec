import type { TargetScenarioRules } from '../../scenario/honesty.js';

/** Scenario keys a cri cell ignores or cannot honour: with target.endpoint, podchurn starts no runtime. */
export const criScenarioRules: TargetScenarioRules = {
  fieldRules: [
    {
      paths: ['runtime.runcCreateDelaySeconds', 'runtime.runcCreateReturnDelaySeconds'],
      noEffect: (s) => (s.target.endpoint ? 'with target.endpoint (the delay is a runc wrapper podchurn gives only a containerd it starts)' : undefined),
      instead: 'Remove target.endpoint so podchurn starts runtime.containerd, or remove the delay.',
    },
    {
      paths: ['runtime.logLevel', 'runtime.restrictOomScoreAdj'],
      noEffect: (s) =>
        s.target.endpoint ? 'with target.endpoint (podchurn starts no containerd then; the runtime at the endpoint keeps its own configuration)' : undefined,
      instead: 'Remove the field; on a kind or local cluster, containerd settings go in cluster.containerdConfigPatches.',
    },
    {
      paths: ['runtime.containerd', 'runtime.runc'],
      noEffect: (s) =>
        s.target.endpoint ? 'with target.endpoint (podchurn starts no containerd then; the endpoint runs whatever binaries it runs)' : undefined,
      instead: 'Remove the pin, or let podchurn run it: target.type cri without endpoint, or a cluster with provider local or kind.',
    },
    {
      paths: ['network.cni', 'network.cniAddHoldSeconds', 'network.cniConfigRemovedBeforeDeletes'],
      noEffect: (s) =>
        s.network.namespace === 'node'
          ? 'with network.namespace "node" (host-network sandboxes make no CNI call)'
          : s.target.endpoint
            ? "with target.endpoint (podchurn does not write that runtime's CNI configuration)"
            : undefined,
      instead: 'Set network.namespace: pod on a containerd podchurn starts (no target.endpoint), or remove the field.',
    },
    {
      paths: ['network.cniAddHoldSeconds', 'network.cniConfigRemovedBeforeDeletes'],
      noEffect: (s) => (s.network.cni === 'none' ? 'with network.cni "none" (podchurn wrote no network to hold or remove)' : undefined),
      instead: 'Set network.cni: bridge, or remove the field.',
    },
  ],

  cellProblem(settings) {
    if (settings.cluster) return 'cluster is only used with target.type "kube" (a cri target drives a containerd directly).';
    if (settings.runtimeStep && settings.target.endpoint) {
      return (
        'runtimeStep cannot be honoured with target.endpoint: podchurn did not start that runtime and cannot replace it. Remove target.endpoint ' +
        '(podchurn then starts runtime.containerd and replaces it), or remove runtimeStep.'
      );
    }
    return undefined;
  },
};
