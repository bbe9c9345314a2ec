import type { CriClient, PodSandboxConfig } from '../src/index.js';

/**
 * The baseline: the same CRI calls podchurn makes for a pod (RunPodSandbox, CreateContainer,
 * StartContainer, then StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox), in the
 * same batches, with nothing recorded. Whatever podchurn adds on top is its overhead.
 */
export async function directLoop(
  client: CriClient,
  options: { pods: number; batchSize: number; grace: number; image: string; cgroupParent: string; tag: string },
  /** Told each container as it is created (a benchmark that adds something per container hooks in here). */
  onContainer: (pod: string, containerId: string) => void = () => undefined,
): Promise<number> {
  const namespaces = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } as const;
  const started = performance.now();
  const pods = Array.from({ length: options.pods }, (_, i) => `direct-${options.tag}-${i}`);
  const created = new Map<string, { sandbox: string; container: string }>();
  for (let i = 0; i < pods.length; i += options.batchSize) {
    await Promise.all(
      pods.slice(i, i + options.batchSize).map(async (name) => {
        const config: PodSandboxConfig = {
          metadata: { name, uid: name, namespace: 'bench' },
          labels: { 'bench.podchurn.io/run': options.tag },
          linux: { cgroup_parent: options.cgroupParent, security_context: { namespace_options: namespaces } },
        };
        const sandbox = await client.runPodSandbox(config);
        const container = await client.createContainer(
          sandbox,
          {
            metadata: { name: 'workload' },
            image: { image: options.image },
            envs: [{ key: 'PODCHURN_ON_SIGTERM', value: 'exit' }],
            linux: { security_context: { namespace_options: namespaces } },
          },
          config,
        );
        onContainer(name, container);
        await client.startContainer(container);
        created.set(name, { sandbox, container });
      }),
    );
  }
  for (let i = 0; i < pods.length; i += options.batchSize) {
    await Promise.all(
      pods.slice(i, i + options.batchSize).map(async (name) => {
        const { sandbox, container } = created.get(name)!;
        await client.stopContainer(container, options.grace, { timeoutMs: 180_000 });
        await client.removeContainer(container);
        await client.stopPodSandbox(sandbox);
        await client.removePodSandbox(sandbox);
      }),
    );
  }
  return performance.now() - started;
}
