import type { V1Pod, V1Probe } from '@kubernetes/client-node';
import type { CellSettings, KubeTargetSettings } from '../../scenario/schema.js';
import type { PodPlan } from '../../engine/churn-target.js';

/**
 * The Pod for one planned pod: the workload image with its SIGTERM behaviour, the cell's grace
 * period, and exec liveness/readiness probes when execProbe is enabled (the steady exec stream
 * that exposes a lost exit). Labels carry the pod's identity so the watch can read it back.
 */
export function buildPodManifest(plan: PodPlan, settings: CellSettings, kube: KubeTargetSettings, workloadImage: string): V1Pod {
  const { workload, execProbe } = settings;
  const probe = (): V1Probe => ({
    exec: { command: execProbe.command },
    periodSeconds: Math.max(1, Math.round(execProbe.periodMs / 1000)),
    timeoutSeconds: execProbe.timeoutSeconds,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: plan.pod, labels: plan.labels },
    spec: {
      ...(kube.nodeName ? { nodeName: kube.nodeName } : {}),
      terminationGracePeriodSeconds: settings.gracePeriodSeconds,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // Test clusters often run no cluster DNS; the workload resolves nothing anyway.
      dnsPolicy: 'Default',
      containers: [
        {
          name: 'workload',
          image: workload.image ?? workloadImage,
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'PODCHURN_ON_SIGTERM', value: workload.onSigterm },
            { name: 'PODCHURN_DELAY_SECONDS', value: String(workload.delaySeconds ?? 0) },
          ],
          ...(execProbe.enabled ? { livenessProbe: probe(), readinessProbe: probe() } : {}),
        },
      ],
    },
  };
}
