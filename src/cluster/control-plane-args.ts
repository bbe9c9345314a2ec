import { join } from 'node:path';
import type { ClusterPki } from './pki.js';

export const SERVICE_CIDR = '10.96.0.0/16';

/** A single-member etcd on loopback. */
export function etcdArgs(dataDir: string, clientUrl: string, peerUrl: string): string[] {
  return [
    '--name=podchurn',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=podchurn=${peerUrl}`,
    '--initial-cluster-state=new',
    // Keep enough history that a watch resuming after an apiserver restart is not compacted away.
    '--auto-compaction-retention=1',
  ];
}

/** kube-apiserver on 127.0.0.1:port, client-cert auth against the cluster CA, RBAC. */
export function apiserverArgs(options: { etcdUrl: string; port: number; pki: ClusterPki; certDir: string }): string[] {
  const { pki } = options;
  return [
    `--etcd-servers=${options.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${options.port}`,
    `--cert-dir=${options.certDir}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--authorization-mode=RBAC',
    // A loopback advertise address must not be reconciled into the kubernetes Service's endpoints.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
  ];
}

/** What controller-manager and scheduler share: the admin kubeconfig, no serving port, a single instance. */
function controlLoopArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--leader-elect=false',
  ];
}

/** The controllers a node needs: service accounts, namespace deletion, node lifecycle, garbage collection. */
export function controllerManagerArgs(kubeconfig: string, pki: ClusterPki): string[] {
  return [
    ...controlLoopArgs(kubeconfig),
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--use-service-account-credentials=false',
    '--profiling=false',
  ];
}

export function schedulerArgs(kubeconfig: string): string[] {
  return [...controlLoopArgs(kubeconfig), '--profiling=false'];
}

export function kubeletArgs(options: { configFile: string; kubeconfig: string; nodeName: string; nodeIp: string; rootDir: string }): string[] {
  return [
    `--config=${options.configFile}`,
    `--kubeconfig=${options.kubeconfig}`,
    `--hostname-override=${options.nodeName}`,
    // Not loopback: the kubelet refuses that, and the Node would have no address to be reached at.
    `--node-ip=${options.nodeIp}`,
    `--root-dir=${options.rootDir}`,
    `--cert-dir=${join(options.rootDir, 'pki')}`,
    '--v=2',
  ];
}
