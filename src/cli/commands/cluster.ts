import type { Argv } from 'yargs';
import { providerNames, type ClusterSpec, type ProviderName } from '../../cluster/provider.js';
import { clusterProvider } from '../../cluster/providers/registry.js';
import { ExitCode, InputError, describeCause } from '../../errors.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../scenario/schema.js';
import { readFileSync } from 'node:fs';

const DEFAULT_CLUSTER_NAME = 'podchurn';

function common(y: Argv) {
  return y
    .option('provider', { choices: providerNames, demandOption: true, describe: 'Cluster provider' })
    .option('name', { type: 'string', default: DEFAULT_CLUSTER_NAME, describe: 'Cluster name' });
}

function upOptions(y: Argv) {
  return kubeAccessOptions(common(y))
    .option('kubernetes', { type: 'string', default: DEFAULT_KUBERNETES_VERSION, describe: 'Kubernetes version (local: runtime-store kubernetes@<version>)' })
    .option('containerd', { type: 'string', default: 'system', describe: 'Runtime-store key of the node containerd' })
    .option('runc', { type: 'string', default: 'system', describe: 'Runtime-store key of the node runc' })
    .option('runtime-request-timeout', { type: 'number', default: 120, describe: 'kubelet runtimeRequestTimeout in seconds' })
    .option('containerd-config-patch', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'File holding a TOML fragment merged into the node containerd config (repeatable)',
    })
    .option('config', { type: 'string', describe: 'kind: cluster config file' })
    .option('image', { type: 'string', describe: 'kind: node image (with --build-node-image online: the image to derive from)' })
    .option('build-node-image', {
      choices: ['offline', 'online'] as const,
      describe: 'kind: build the node image with the pinned runtimes (podchurn image node)',
    });
}

/** Which API the existing provider talks to. */
function kubeAccessOptions<T>(y: Argv<T>) {
  return y
    .option('kubeconfig', { type: 'string', describe: 'existing: kubeconfig file (default $KUBECONFIG, else ~/.kube/config)' })
    .option('context', { type: 'string', describe: 'existing: kubeconfig context' });
}

function readPatch(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`--containerd-config-patch ${file}: ${describeCause(error)}`);
  }
}

/** `podchurn cluster up|down|status`: clusters kept between runs (a scenario can also bring its own up). */
export function clusterCommands(setExitCode: (code: number) => void) {
  return (y: Argv): Argv =>
    y
      .command('up', 'Bring a cluster up and print its kubeconfig path', upOptions, async (args) => {
        const spec: ClusterSpec = {
          provider: args.provider as ProviderName,
          name: args.name,
          kubernetes: args.kubernetes,
          containerd: args.containerd,
          runc: args.runc,
          runtimeRequestTimeoutSeconds: args['runtime-request-timeout'],
          containerdConfigPatches: (args['containerd-config-patch'] ?? []).map((file) => readPatch(String(file))),
          kindConfig: args.config,
          nodeImage: args.image,
          ...(args['build-node-image'] ? { nodeImageBuild: args['build-node-image'] } : {}),
          kubeconfig: args.kubeconfig,
          context: args.context,
        };
        const provider = await clusterProvider(spec.provider);
        const handle = await provider.up(spec, { onNotice: (line) => process.stderr.write(`${line}\n`) });
        process.stdout.write(`${handle.kubeconfig}\n`);
      })
      .command('down', 'Remove a cluster and everything it created', common, async (args) => {
        const provider = await clusterProvider(args.provider as ProviderName);
        const teardown = await provider.down(args.name, { onNotice: (line) => process.stderr.write(`${line}\n`) });
        for (const item of teardown.removed) process.stderr.write(`removed ${item}\n`);
        for (const item of teardown.leftovers) process.stderr.write(`left behind: ${item}\n`);
        setExitCode(teardown.leftovers.length ? ExitCode.infrastructure : ExitCode.ok);
      })
      .command(
        'status',
        'Show whether a cluster runs and the state of its parts',
        (y) => kubeAccessOptions(common(y)),
        async (args) => {
          const provider = await clusterProvider(args.provider as ProviderName);
          const status = await provider.status(args.name, { kubeconfig: args.kubeconfig, context: args.context });
          process.stdout.write(
            `${status.provider}/${status.name}: ${
              status.running ? 'running' : 'not ' + 'running'
            }${status.kubeconfig ? ` (kubeconfig ${status.kubeconfig})` : ''}\n`,
          );
          for (const component of status.components) process.stdout.write(`  ${component.name}: ${component.state}\n`);
          setExitCode(status.running ? ExitCode.ok : ExitCode.infrastructure);
        },
      )
      .demandCommand(1, 'Name a cluster command: up, down or status.');
}
