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
}

export function clusterBaseDir(): string {
  return process.env.PODCHURN_CLUSTER_DIR ?? '/var/lib/podchurn-clusters';
}

function clusterStateBase(): string {
  return process.env.PODCHURN_CLUSTER_STATE ?? '/run/podchurn-clusters';
}

export function localClusterLayout(name: string): LocalClusterLayout {
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
    bridge: `pcbr-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`,
  };
}
