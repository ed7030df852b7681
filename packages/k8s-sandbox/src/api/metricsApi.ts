/** `metrics.k8s.io/v1beta1` PodMetrics and NodeMetrics from a provider. */
import { ServerResponse } from 'node:http';
import { notFound } from './errors';
import { sendJson } from './http';
import { ResourceType } from './resources';
import { ResourceRoute } from './routes';
import { selectorMatcher } from './selectors';
import { Clock, KubeObject, MetricsProvider } from './types';
import { rfc3339 } from './util';

const API_VERSION = 'metrics.k8s.io/v1beta1';

export function serveMetricsApi(
  res: ServerResponse,
  provider: MetricsProvider,
  type: ResourceType,
  route: ResourceRoute,
  q: URLSearchParams,
  clock: Clock,
): void {
  const nodes = type.kind === 'NodeMetrics';
  const all = (nodes
    ? provider.nodeMetrics()
    : provider.podMetrics(route.namespace)) as unknown as KubeObject[];
  const withKind = all.map(
    m =>
      ({
        kind: type.kind,
        apiVersion: API_VERSION,
        ...m,
        metadata: {
          creationTimestamp: rfc3339(clock.now()),
          ...(m.metadata ?? {}),
        },
      } as KubeObject),
  );
  if (route.name) {
    const found = withKind.find(
      m =>
        m.metadata?.name === route.name &&
        (nodes || m.metadata?.namespace === route.namespace),
    );
    if (!found) {
      throw notFound({
        group: 'metrics.k8s.io',
        resource: type.plural,
        name: route.name,
      });
    }
    sendJson(res, 200, found);
    return;
  }
  const matcher = selectorMatcher(
    q.get('labelSelector') ?? undefined,
    q.get('fieldSelector') ?? undefined,
  );
  sendJson(res, 200, {
    kind: `${type.kind}List`,
    apiVersion: API_VERSION,
    metadata: {},
    items: withKind.filter(
      m =>
        matcher(m) &&
        (nodes ||
          !route.namespace ||
          m.metadata?.namespace === route.namespace),
    ),
  });
}
