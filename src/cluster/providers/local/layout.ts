import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Where one local cluster lives. Kept apart from the CRI target's per-run paths
 * (/var/lib/podchurn/<instance>, /run/podchurn/<instance>, cgroup /podchurn/<instance>) so that
 * `podchurn cleanup` of runs never touches a cluster kept up between runs.
 */
export interface LocalClusterLayout {
  name: string;
  /** Everything persistent: PKI, etcd data, configs, kubelet root, component logs, state.json. */
  dir: string;
  stateFile: string;
  kubeconfig: string;
  pkiDir: string;
  etcdData: string;
  logDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  podLogsDir: string;
  containerdRoot: string;
  /** Short, because it holds the containerd socket (unix socket paths are limited to 107 bytes). */
  containerdState: string;
  containerdSocket: string;
  containerdConfig: string;
  /** containerd reads CNI config from <state>/cni (see containerdConfig). */
  cniConfDir: string;
  cniIpamDir: string;
  /** cgroup root of the kubelet (relative to each hierarchy): every pod of the cluster is below it. */
  cgroupRoot: string;
  /** Linux bridge of the pod network: at most 15 characters (IFNAMSIZ). */
  bridge: string;
  /** The link that carries the node's address (see node-address.ts): at most 15 characters. */
  nodeLink: string;
  /** The node's InternalIP: the kubelet listens on it and the apiserver reaches it there. */
  nodeAddress: string;
}

/** Node addresses come from 10.250.0.0/16: clear of the pod (10.244/16) and service (10.96/16) ranges. */
const NODE_ADDRESS_PREFIX = '10.250';

export function clusterBaseDir(): string {
  return process.env.PODCHURN_CLUSTER_DIR ?? '/var/lib/podchurn-clusters';
}

function clusterStateBase(): string {
  return process.env.PODCHURN_CLUSTER_STATE ?? '/run/podchurn-clusters';
}

export function localClusterLayout(name: string): LocalClusterLayout {
  const hash = createHash('sha256').update(name).digest();
  const dir = join(clusterBaseDir(), name);
  const containerdState = join(clusterStateBase(), name);
  return {
    name,
    dir,
    stateFile: join(dir, 'state.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    pkiDir: join(dir, 'pki'),
    etcdData: join(dir, 'etcd'),
    logDir: join(dir, 'logs'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet-config.yaml'),
    podLogsDir: join(dir, 'pod-logs'),
    containerdRoot: join(dir, 'containerd'),
    containerdState,
    containerdSocket: join(containerdState, 'containerd.sock'),
    containerdConfig: join(containerdState, 'config.toml'),
    cniConfDir: join(containerdState, 'cni'),
    cniIpamDir: join(dir, 'cni-ipam'),
    cgroupRoot: `/podchurn-clusters/${name}`,
    // Hashed: two long cluster names that share a prefix must not share a bridge.
    bridge: `pcbr-${hash.toString('hex').slice(0, 10)}`,
    nodeLink: `pcnode-${hash.toString('hex').slice(0, 8)}`,
    // Derived from the name, like the bridge: the same cluster gets the same address after any restart,
    // and two clusters up at once get different ones (a clash of two names is refused at bring-up).
    nodeAddress: `${NODE_ADDRESS_PREFIX}.${hash[0]}.${Math.max(1, Math.min(254, hash[1]!))}`,
  };
}
