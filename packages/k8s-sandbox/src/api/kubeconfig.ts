import { stringify } from 'yaml';

export interface KubeconfigOptions {
  url: string;
  token: string;
  clusterName?: string;
  namespace?: string;
  userName?: string;
}

/** A kubeconfig (YAML) for the sandbox server that kubectl accepts as is. */
export function buildKubeconfig(options: KubeconfigOptions): string {
  const cluster = options.clusterName ?? 'sandbox';
  const user = options.userName ?? `${cluster}-user`;
  const context: Record<string, string> = { cluster, user };
  if (options.namespace) context.namespace = options.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: cluster,
        cluster: { server: options.url, 'insecure-skip-tls-verify': true },
      },
    ],
    users: [{ name: user, user: { token: options.token } }],
    contexts: [{ name: cluster, context }],
    'current-context': cluster,
  });
}
