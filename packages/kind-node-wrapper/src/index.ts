/**
 * kind-node-wrapper: a typed wrapper over the kind and docker command lines (clusters, nodes, image
 * archives, logs) and a builder of kind node images with pinned container runtimes.
 */

export { KindWrapperError, KindInputError, KindToolError, describeCause } from './errors.js';
export { runCommand, type CommandOptions, type CommandResult } from './exec.js';
export {
  KIND_CLUSTER_LABEL,
  KIND_NETWORK,
  dockerArgv,
  isRunning,
  kindArgv,
  outputTail,
  parseDockerPs,
  parseLines,
  runTool,
  runToolOk,
  type DockerContainer,
  type Tool,
  type ToolRunOptions,
} from './kind-cli.js';
export {
  KindCluster,
  checkClusterName,
  checkNodeName,
  createCluster,
  deleteCluster,
  isLoadBalancer,
  listClusters,
  removeIdleKindNetwork,
  type CreateClusterOptions,
} from './kind-cluster.js';
export { KIND_API_VERSION, kubeletPatch, offlineNodePatches, renderKindConfig, type KindConfigInput, type OfflineNodeSettings } from './kind-config.js';
export {
  hasPins,
  nodeBinaryPaths,
  pinCopies,
  pinNodeRuntimes,
  probeNodeVersion,
  verifyNodePins,
  versionProbes,
  type NodeBinary,
  type NodePins,
  type PinnedNodeVersions,
} from './node-pins.js';
export { parseContainerdVersion, parseRuncVersion, parseShimVersion } from './versions.js';
export { dockerImageLabels, runDockerOk } from './docker-images.js';
export { BASE_PACKAGES, BASE_SUITE, DEFAULT_BASE_REPOSITORY, baseImageReference, debianMirror, ensureBaseImage, type BaseImageOptions } from './base-image.js';
export {
  DEFAULT_INPUTS_LABEL,
  buildNodeImage,
  nodeDockerfile,
  verifyNodeImage,
  type NodeImage,
  type NodeImageFile,
  type NodeImageFlavor,
  type NodeImageSpec,
} from './node-image.js';
