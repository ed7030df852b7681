import type { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';

export interface ClusterMetricsConfig {
  prometheusUrl?: string;
  prometheusSelector?: Record<string, string>;
  scrapeUrl?: string;
  scrapeIntervalSeconds?: number;
  /** Read usage from metrics.k8s.io when nothing else is set; default true. */
  metricsServer?: boolean;
}

/** A cluster as telemetry knows it: watchable with a KubeConfig, or why not. */
export interface ClusterTarget {
  name: string;
  source: 'ai-sre' | 'kubernetes-plugin';
  watchable: boolean;
  /** Why the cluster cannot be watched, when it cannot. */
  reason?: string;
  kubeConfig?: KubeConfig;
  metrics: ClusterMetricsConfig;
}

interface RawCluster {
  name: string;
  url?: string;
  authProvider?: string;
  serviceAccountToken?: string;
  kubeconfigPath?: string;
  context?: string;
  skipTLSVerify?: boolean;
  caData?: string;
  disabled?: boolean;
  metrics?: ClusterMetricsConfig;
}

function readCluster(config: Config): RawCluster {
  return {
    name: config.getString('name'),
    url: config.getOptionalString('url'),
    authProvider: config.getOptionalString('authProvider'),
    serviceAccountToken: config.getOptionalString('serviceAccountToken'),
    kubeconfigPath: config.getOptionalString('kubeconfigPath'),
    context: config.getOptionalString('context'),
    skipTLSVerify: config.getOptionalBoolean('skipTLSVerify'),
    caData: config.getOptionalString('caData'),
    disabled: config.getOptionalBoolean('disabled'),
    metrics: config.getOptional<ClusterMetricsConfig>('metrics'),
  };
}

/** Auth providers of the Kubernetes plugin that act on behalf of the signed-in user. */
const USER_DELEGATED = new Set([
  'oidc',
  'google',
  'aks',
  'gitlab',
  'okta',
  'onelogin',
  'microsoft',
]);

function kubeConfigFor(cluster: RawCluster): {
  kubeConfig?: KubeConfig;
  reason?: string;
} {
  const provider = cluster.authProvider ?? 'serviceAccount';
  const kubeConfig = new KubeConfig();
  if (provider === 'inCluster') {
    kubeConfig.loadFromCluster();
    return { kubeConfig };
  }
  if (provider === 'kubeconfig') {
    if (!cluster.kubeconfigPath) {
      return { reason: 'authProvider kubeconfig needs kubeconfigPath' };
    }
    kubeConfig.loadFromFile(cluster.kubeconfigPath);
    if (cluster.context) kubeConfig.setCurrentContext(cluster.context);
    return { kubeConfig };
  }
  if (provider === 'serviceAccount') {
    if (!cluster.url) return { reason: 'no url' };
    if (!cluster.serviceAccountToken) {
      return {
        reason: 'authProvider serviceAccount needs serviceAccountToken',
      };
    }
    kubeConfig.loadFromClusterAndUser(
      {
        name: cluster.name,
        server: cluster.url,
        skipTLSVerify: cluster.skipTLSVerify ?? false,
        ...(cluster.caData ? { caData: cluster.caData } : {}),
      },
      { name: `${cluster.name}-ai-sre`, token: cluster.serviceAccountToken },
    );
    return { kubeConfig };
  }
  if (USER_DELEGATED.has(provider)) {
    return {
      reason: `authProvider ${provider} only offers the signed-in user's credentials; give AI SRE a service account (aiSre.clusters) to watch it`,
    };
  }
  return { reason: `authProvider ${provider} is not supported for watching` };
}

/**
 * The clusters to watch: `aiSre.clusters`, plus the Kubernetes plugin's
 * config clusters (an adopter configures nothing twice).
 */
export function readClusterTargets(config: Config): ClusterTarget[] {
  const byName = new Map<
    string,
    { raw: RawCluster; source: ClusterTarget['source'] }
  >();
  if (config.getOptionalBoolean('aiSre.useKubernetesPluginClusters') ?? true) {
    for (const method of config.getOptionalConfigArray(
      'kubernetes.clusterLocatorMethods',
    ) ?? []) {
      if (method.getString('type') !== 'config') continue;
      for (const cluster of method.getOptionalConfigArray('clusters') ?? []) {
        const raw = readCluster(cluster);
        byName.set(raw.name, { raw, source: 'kubernetes-plugin' });
      }
    }
  }
  for (const cluster of config.getOptionalConfigArray('aiSre.clusters') ?? []) {
    const raw = readCluster(cluster);
    const existing = byName.get(raw.name);
    const defined = Object.fromEntries(
      Object.entries(raw).filter(([, value]) => value !== undefined),
    ) as Partial<RawCluster>;
    const merged: RawCluster = existing
      ? { ...existing.raw, ...defined, name: raw.name }
      : raw;
    if (existing) {
      merged.metrics = { ...existing.raw.metrics, ...raw.metrics };
    }
    byName.set(raw.name, { raw: merged, source: existing?.source ?? 'ai-sre' });
  }
  return [...byName.values()].map(({ raw, source }) => {
    if (raw.disabled) {
      return {
        name: raw.name,
        source,
        watchable: false,
        reason: 'disabled',
        metrics: raw.metrics ?? {},
      };
    }
    let result: { kubeConfig?: KubeConfig; reason?: string };
    try {
      result = kubeConfigFor(raw);
    } catch (error) {
      result = {
        reason: error instanceof Error ? error.message : String(error),
      };
    }
    return {
      name: raw.name,
      source,
      watchable: Boolean(result.kubeConfig),
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.kubeConfig ? { kubeConfig: result.kubeConfig } : {}),
      metrics: raw.metrics ?? {},
    };
  });
}
