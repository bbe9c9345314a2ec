import { join } from 'node:path';
import { describeCause } from '../../errors.js';
import type { TargetDriver } from '../target.js';
import { kubeSessionKey, openKubeSession } from './kube-session.js';
import { kubeScenarioRules } from './scenario-rules.js';

/** Pods through a Kubernetes API: a kubeconfig, or the cluster a `cluster` block asks for. */
export const kubeDriver: TargetDriver = {
  type: 'kube',
  scenarioRules: kubeScenarioRules,
  primaryLatency: 'deletion',

  async prepare(cellId, settings, context, closeSession) {
    if (!settings.cluster) return settings;
    // A namespace is removed through its cluster's API: the session closes before its cluster goes.
    if (!context.clusters.holds(settings, context.scenarioName, context.scenarioFile)) await closeSession();
    return context.clusters.settingsFor(cellId, settings, context.scenarioName, context.scenarioFile);
  },

  // Only a local cluster runs a kubelet and containerd on this host.
  requiresRoot: (settings) => settings.cluster?.provider === 'local',
  sessionKey: kubeSessionKey,

  async open(settings, instanceNumber, context) {
    const session = await openKubeSession(settings, context.runId, instanceNumber, context.events, context.clock, {
      evidenceDir: join(context.runDir, 'evidence'),
      logsDir: join(context.runDir, 'logs'),
      cluster: context.clusters.current,
    });
    const { record } = session;
    context.environment.clusters = [...(context.environment.clusters ?? []), record];
    return {
      key: session.key,
      instance: record.instance,
      addCell(cellId) {
        if (!record.cells.includes(cellId)) record.cells.push(cellId);
      },
      target: (cellId, rep, cellSettings) => session.target(cellId, rep, cellSettings),
      metricsEndpoints: () => session.metricsEndpoints(),
      async close() {
        const report = await session.close().catch((error) => ({ leftovers: [`cleanup failed: ${describeCause(error)}`] }));
        // The namespace-wide leak check: anything still carrying the run label is a leak.
        context.events.run('cleanup', { forced: [], runtime: record.instance, scope: 'namespace', ...report });
        return { leftovers: report.leftovers, clearsCellLeftovers: false };
      },
    };
  },
};
