import type { Argv } from 'yargs';
import { buildNodeImage, type NodeImageFlavor } from '../../images/kind-node/node-image.js';
import { buildNodeAgentImage } from '../../images/node-agent-image.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../scenario/schema.js';

const progress = (line: string) => process.stderr.write(`  ${line}\n`);

function nodeOptions(y: Argv) {
  return y
    .option('flavor', {
      choices: ['offline', 'online'] as const,
      default: 'offline' as NodeImageFlavor,
      describe: 'offline: from Debian with preloaded control-plane images (no registry); online: a layer on kindest/node',
    })
    .option('kubernetes', {
      type: 'string',
      default: DEFAULT_KUBERNETES_VERSION,
      describe: 'Kubernetes version of the node (offline: built into the runtime store)',
    })
    .option('containerd', { type: 'string', demandOption: true, describe: 'Runtime-store key of the node containerd, e.g. containerd@1.7.22' })
    .option('runc', { type: 'string', demandOption: true, describe: 'Runtime-store key of the node runc, e.g. runc@1.1.14' })
    .option('base-image', { type: 'string', describe: "online: the kindest/node image to derive from (default: the kind catalog's for the version)" })
    .option('tag', { type: 'string', describe: 'Name of the image (default: podchurn.local/kind-node:v<kubernetes>-containerd<v>-runc<v>)' });
}

/** `podchurn image node`: kind node images with pinned runtimes; `podchurn image node-agent`: the node agent's archive (see docs/CLUSTERS.md). */
export function imageCommands(yargs: Argv): Argv {
  return yargs
    .command('node', 'Build a kind node image with pinned containerd/runc; prints its name', nodeOptions, async (args) => {
      const image = await buildNodeImage(
        {
          flavor: args.flavor,
          kubernetes: args.kubernetes,
          containerd: args.containerd,
          runc: args.runc,
          ...(args['base-image'] ? { baseImage: args['base-image'] } : {}),
          ...(args.tag ? { tag: args.tag } : {}),
        },
        { onProgress: progress },
      );
      progress(`${image.built ? 'built' : 'reused'} ${image.reference} in ${image.seconds.toFixed(1)} s`);
      process.stdout.write(`${image.reference}\n`);
    })
    .command(
      'node-agent',
      "Build the node agent's image archive (target.kube.nodeAgent); prints its path, to import on each node with ctr -n k8s.io images import",
      {},
      async () => {
        const image = await buildNodeAgentImage();
        progress(
          `${image.reference}${image.criTools ? ` with crictl from ${image.criTools}` : ' without crictl (podchurn runtime fetch cri-tools@1.34.0 adds it)'}`,
        );
        process.stdout.write(`${image.archive}\n`);
      },
    )
    .demandCommand(1, 'Name an image command: node, node-agent.');
}
