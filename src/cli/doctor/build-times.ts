/**
 * How long a first run spends building what is missing, from build times this project measured on its
 * 2-core machines. Each figure names the document that records the measurement; none is estimated here.
 */
export interface MeasuredBuild {
  seconds: number;
  /** Where the measurement is written down, and under what conditions it was taken. */
  source: string;
}

export type BuildStep = 'kubernetes' | 'etcd' | 'cri-tools' | 'containerd' | 'runc' | 'kind-cli' | 'docker-engine' | 'kind-node-image';

export const measuredBuilds: Record<BuildStep, MeasuredBuild> = {
  kubernetes: { seconds: 1216, source: 'docs/RUNTIMES.md: kubernetes@1.34.4 cold, 2 cores under load' },
  etcd: { seconds: 176, source: 'docs/RUNTIMES.md: etcd@3.6.5 fully cold' },
  'cri-tools': { seconds: 241, source: 'docs/RUNTIMES.md: cri-tools@1.34.0 fully cold' },
  containerd: { seconds: 240, source: 'docs/RUNTIMES.md: containerd@1.7.22 cold, alone' },
  runc: { seconds: 37, source: 'docs/RUNTIMES.md: runc@1.1.14 cold, alone' },
  'kind-cli': { seconds: 35, source: 'docs/CLUSTERS.md: kind v0.30.0 from the Go module proxy' },
  'docker-engine': { seconds: 60, source: "docs/CLUSTERS.md: Debian's docker.io install" },
  'kind-node-image': { seconds: 80, source: 'docs/CLUSTERS.md: offline node image, cold' },
};

/** "about 20 min (1216 s, docs/RUNTIMES.md: ...)": a reader sees the rounded time and where it was measured. */
export function describeBuild(step: BuildStep): string {
  const { seconds, source } = measuredBuilds[step];
  const rounded = seconds >= 120 ? `about ${Math.round(seconds / 60)} min` : `about ${seconds} s`;
  return `${rounded} once (${seconds} s measured, ${source})`;
}

/** The total of several steps, for the "first run" line. */
export function totalSeconds(steps: readonly BuildStep[]): number {
  return steps.reduce((sum, step) => sum + measuredBuilds[step].seconds, 0);
}
