import type { TargetScenarioRules } from '../../scenario/honesty.js';
import { type CellSettings, stopLatencyGates } from '../../scenario/schema.js';

/** A key for clusters podchurn attaches to, which has no effect on one it brings up, and why. */
function unlessExisting(why: string): (settings: CellSettings) => string | undefined {
  return (s) => (s.cluster && s.cluster.provider !== 'existing' ? `with cluster.provider "${s.cluster.provider}" (${why})` : undefined);
}

/** Scenario keys a kube cell ignores or cannot honour: the node runtime and kubelet belong to the cluster. */
export const kubeScenarioRules: TargetScenarioRules = {
  fieldRules: [
    {
      paths: ['runtime.runcCreateDelaySeconds', 'runtime.runcCreateReturnDelaySeconds'],
      noEffect: () => 'on a kube target (the delay is a runc wrapper podchurn gives only the containerd it starts for a cri target)',
      instead: 'Remove the delay, or use target.type: cri.',
    },
    {
      paths: ['execProbe.workers'],
      noEffect: () => "on a kube target (kubelet runs one liveness and one readiness exec probe per pod; workers sets the CRI target's probe loops)",
      instead: 'Remove execProbe.workers, or use target.type: cri.',
    },
    {
      paths: ['runtime.logLevel', 'runtime.restrictOomScoreAdj'],
      noEffect: () =>
        "on a kube target (they configure the containerd podchurn starts for a cri target; a cluster node's containerd is configured by its provider)",
      instead: 'Remove the field; on a kind or local cluster, containerd settings go in cluster.containerdConfigPatches.',
    },
    {
      paths: ['runtime.containerd', 'runtime.runc'],
      noEffect: (s) => {
        if (!s.cluster) return "on a kube target without a cluster block (podchurn uses the kubeconfig's cluster as it is)";
        if (s.cluster.provider === 'existing') return 'with cluster.provider "existing" (podchurn cannot change the runtime of a cluster it did not make)';
        return undefined;
      },
      instead: 'Remove the pin, or let podchurn run it: target.type cri without endpoint, or a cluster with provider local or kind.',
    },
    {
      paths: ['gracePeriodSeconds'],
      noEffect: (s) =>
        s.target.kube?.deleteGracePeriodSeconds !== undefined
          ? `on deletion when target.kube.deleteGracePeriodSeconds ` +
            `(${s.target.kube.deleteGracePeriodSeconds}) is set: the DELETE carries that grace, and gracePeriodSeconds is only the pods' ` +
            `terminationGracePeriodSeconds`
          : undefined,
      instead: 'Vary target.kube.deleteGracePeriodSeconds instead, or remove it so gracePeriodSeconds is the deletion grace.',
      axisOnly: true,
    },
    {
      paths: ['target.kube.kubeconfig', 'target.kube.context'],
      noEffect: unlessExisting('podchurn uses the kubeconfig of the cluster it brings up'),
      instead: "Remove the field, or use cluster.provider: existing to attach to that kubeconfig's cluster.",
    },
    {
      paths: [
        'target.kube.nodeAgentImage',
        'target.kube.nodeAgentCriSocket',
        'target.kube.nodeAgentLogFiles.containerd',
        'target.kube.nodeAgentLogFiles.kubelet',
        'target.kube.nodeAgentContainerdMetrics',
      ],
      noEffect: (s) => (s.target.kube?.nodeAgent ? undefined : 'without target.kube.nodeAgent: true (they configure the node agent, which is off)'),
      instead: 'Set target.kube.nodeAgent: true, or remove the field.',
    },
    {
      paths: ['cluster.nodeLogQuery.containerd', 'cluster.nodeLogQuery.kubelet'],
      noEffect: unlessExisting('podchurn reads the logs of the nodes it runs itself'),
      instead: 'Remove cluster.nodeLogQuery, or use cluster.provider: existing.',
    },
    {
      paths: ['runtimeStep.duringCreatesAfterSeconds'],
      noEffect: () => "on a kube target (kubelet's own sandbox creates cannot be timed against the step; it places the cri target's step)",
      instead: 'Use runtimeStep.duringStopsAfterSeconds or the step after the hold, or target.type: cri.',
    },
    {
      paths: ['network.namespace', 'network.cni', 'network.cniAddHoldSeconds', 'network.cniConfigRemovedBeforeDeletes'],
      noEffect: () =>
        "on a kube target (a pod's network is set by its spec and the cluster's CNI; network.namespace chooses the cri target's sandbox namespace)",
      instead: 'Remove network.namespace (pods of a kube target get their own network namespace unless spec.hostNetwork), or use target.type: cri.',
    },
    {
      paths: ['sandboxInspectPeriodMs', 'createTimeoutSeconds', 'stopDuringStartAfterSeconds'],
      noEffect: () => "on a kube target (kubelet makes the node's CRI calls, with its own deadlines; these set the cri target's calls)",
      instead: "Remove the field (on a local cluster, requestTimeoutSeconds is also the kubelet's runtimeRequestTimeout), or use target.type: cri.",
    },
    {
      paths: ['gates.maxStateMismatch'],
      noEffect: () => "on a kube target: state-mismatch (a lost exit) is found by the cri target's pid check, and a kube run never reports one",
      instead: 'Remove it; gates.maxStuck limits pods not gone in time.',
    },
  ],

  cellProblem(settings, written) {
    const stopGate = stopLatencyGates.find((gate) => written.has(`gates.${gate}`));
    if (stopGate) {
      return (
        `gates.${stopGate} limits CRI stop latency, which pods of a kube target do not have; use ` +
        `gates.${stopGate.replace('Stop', '')} (the primary latency: deletion latency on kube).`
      );
    }
    const { execProbe } = settings;
    if (execProbe.enabled && written.has('execProbe.periodMs') && execProbe.periodMs % 1000 !== 0) {
      return (
        `execProbe.periodMs ${execProbe.periodMs} cannot be honoured on a kube target: a Kubernetes probe period (periodSeconds) is whole ` +
        `seconds. Use a multiple of 1000.`
      );
    }
    // The agent is the way into nodes podchurn does not run; kind and local nodes it already reaches itself.
    if (settings.target.kube?.nodeAgent && settings.cluster && settings.cluster.provider !== 'existing') {
      return (
        `target.kube.nodeAgent is for clusters podchurn does not run (cluster.provider: existing, or a kubeconfig without a cluster block); ` +
        `on cluster.provider: ${settings.cluster.provider} podchurn reads the nodes' runtime versions, logs and container state itself. ` +
        `Remove target.kube.nodeAgent, or attach to the cluster as cluster.provider: existing.`
      );
    }
    // One source per node log: the analysis scans every copy, so a unit read twice would count its signatures twice.
    const both = (['containerd', 'kubelet'] as const).filter(
      (unit) => settings.target.kube?.nodeAgentLogFiles?.[unit] && settings.cluster?.nodeLogQuery?.[unit],
    );
    if (both.length) {
      return (
        `the ${both.join(' and ')} log is read twice: by the node agent (target.kube.nodeAgentLogFiles.${both[0]}) and through the kubelets' ` +
        `node log query (cluster.nodeLogQuery.${both[0]}). Keep one of them.`
      );
    }
    // The one provider whose node runtime podchurn can replace in place faithfully (ClusterHandle.replaceRuntime).
    // kind is refused for a measured reason: on its node images here, a restarted containerd drops the running
    // sandboxes and the kubelet re-creates every pod on the node, control plane included (docs/UPGRADES.md).
    const provider = settings.cluster?.provider;
    if (settings.runtimeStep && provider !== 'local') {
      const where = provider ? `cluster.provider: ${provider}` : 'a cluster reached by kubeconfig';
      const why =
        provider === 'kind'
          ? "a containerd restarted inside a kind node here drops the node's running sandboxes, and the kubelet re-creates every pod, " +
            'control plane included, which is not what a node upgrade does (docs/UPGRADES.md)'
          : "the node runtime is not podchurn's to replace";
      return (
        `runtimeStep replaces a node's containerd in place, which podchurn does on a local cluster (cluster.provider: local); on ${where} ${why}. ` +
        'Use cluster.provider: local or target.type: cri, or remove runtimeStep.'
      );
    }
    return undefined;
  },
};
