import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';
import { runCommand } from '../util/exec.js';

/** Files of a throwaway cluster PKI: one CA, an API serving cert, an admin client cert, a service-account key pair. */
export interface ClusterPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  /** CN=podchurn-admin, O=system:masters: full access under RBAC without any binding. */
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

const VALID_DAYS = '7';

async function openssl(args: string[]): Promise<void> {
  const result = await runCommand('openssl', args, { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new InfrastructureError(`openssl ${args[0]} failed: ${result.stderr.trim()}`);
}

/** A P-256 key and a certificate signed by the CA, with the extensions given (OpenSSL x509v3 config lines). */
async function issue(dir: string, name: string, subject: string, extensions: string[], ca: { cert: string; key: string }) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `${extensions.join('\n')}\n`);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', VALID_DAYS, '-extfile', ext]);
  return { cert, key };
}

/**
 * A serving certificate for a kubelet, signed by the cluster CA, valid for the node's name and address:
 * the apiserver verifies the kubelet against the CA (--kubelet-certificate-authority) when it proxies
 * logs, exec, port-forward and metrics to it.
 */
export async function issueKubeletServingCert(dir: string, pki: ClusterPki, node: { name: string; address: string }): Promise<{ cert: string; key: string }> {
  return issue(
    dir,
    'kubelet',
    `/CN=system:node:${node.name}`,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=IP:${node.address},DNS:${node.name}`,
    ],
    { cert: pki.caCert, key: pki.caKey },
  );
}

/** Writes a fresh PKI into `dir` (which must be private to this cluster). */
export async function createClusterPki(dir: string): Promise<ClusterPki> {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    VALID_DAYS,
    '-subj',
    '/CN=podchurn-cluster-ca',
  ]);
  const ca = { cert: caCert, key: caKey };
  const serving = await issue(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default',
    ],
    ca,
  );
  const admin = await issue(
    dir,
    'admin',
    '/O=system:masters/CN=podchurn-admin',
    ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'],
    ca,
  );
  // Service-account tokens are signed with RSA, the algorithm every Kubernetes version accepts.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPublicKey = join(dir, 'sa.pub');
  await writeFile(serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(serviceAccountPublicKey, publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    caCert,
    caKey,
    servingCert: serving.cert,
    servingKey: serving.key,
    adminCert: admin.cert,
    adminKey: admin.key,
    serviceAccountKey,
    serviceAccountPublicKey,
  };
}
