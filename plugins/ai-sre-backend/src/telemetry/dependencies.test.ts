import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import { inferDependencies } from './dependencies';
import { ObjectCache } from './ObjectCache';
import { trimObject } from './trim';

function deployment(
  name: string,
  env: Array<Record<string, unknown>>,
  labels = { app: name },
) {
  return trimObject('Deployment', {
    metadata: { name, namespace: 'shop', uid: `uid-${name}` },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name, image: `${name}:1`, env }] },
      },
    },
  });
}

function service(
  name: string,
  selector: Record<string, string>,
  namespace = 'shop',
) {
  return trimObject('Service', {
    metadata: { name, namespace },
    spec: { selector },
  });
}

describe('inferDependencies', () => {
  const cache = new ObjectCache();
  cache.set(
    'Deployment',
    deployment('web', [
      { name: 'CATALOG_URL', value: 'http://catalog.shop.svc:3000/books' },
      {
        name: 'ORDERS',
        valueFrom: { configMapKeyRef: { name: 'web-config', key: 'orders' } },
      },
      { name: 'LOG_LEVEL', value: 'info' },
    ]),
  );
  cache.set(
    'Deployment',
    deployment('catalog', [
      { name: 'DATABASE_URL_HOST', value: 'postgres.shop.svc.cluster.local' },
      { name: 'CACHE_HOST', value: 'redis' },
    ]),
  );
  cache.set('Deployment', deployment('orders', []));
  cache.set(
    'StatefulSet',
    trimObject('StatefulSet', {
      metadata: { name: 'postgres', namespace: 'shop', uid: 'uid-pg' },
      spec: {
        selector: { matchLabels: { app: 'postgres' } },
        template: {
          metadata: { labels: { app: 'postgres' } },
          spec: { containers: [{ name: 'pg', image: 'postgres:16' }] },
        },
      },
    }),
  );
  cache.set(
    'StatefulSet',
    trimObject('StatefulSet', {
      metadata: { name: 'redis', namespace: 'shop', uid: 'uid-redis' },
      spec: {
        selector: { matchLabels: { app: 'redis' } },
        template: {
          metadata: { labels: { app: 'redis' } },
          spec: { containers: [{ name: 'r', image: 'redis:7' }] },
        },
      },
    }),
  );
  cache.set(
    'ConfigMap',
    trimObject('ConfigMap', {
      metadata: { name: 'web-config', namespace: 'shop' },
      data: { orders: 'orders:3100' },
    }),
  );
  for (const name of ['catalog', 'orders', 'postgres', 'redis']) {
    cache.set('Service', service(name, { app: name }));
  }
  // A Service of the same name elsewhere is not the one meant.
  cache.set('Service', service('redis', { app: 'redis' }, 'other'));

  it('finds services named by env values, referenced ConfigMaps and short names', () => {
    const edges = inferDependencies(cache).map(e => [
      formatObjectRef(e.from),
      e.to.map(formatObjectRef).join(','),
      e.evidence,
    ]);
    expect(edges).toEqual(
      expect.arrayContaining([
        ['Deployment/shop/web', 'Deployment/shop/catalog', 'env CATALOG_URL'],
        [
          'Deployment/shop/web',
          'Deployment/shop/orders',
          'env ORDERS (ConfigMap web-config)',
        ],
        [
          'Deployment/shop/catalog',
          'StatefulSet/shop/postgres',
          'env DATABASE_URL_HOST',
        ],
        ['Deployment/shop/catalog', 'StatefulSet/shop/redis', 'env CACHE_HOST'],
      ]),
    );
    expect(edges).toHaveLength(4);
  });

  it('adds hosts named in log lines', () => {
    const edges = inferDependencies(cache, [
      {
        workload: { kind: 'Deployment', namespace: 'shop', name: 'orders' },
        line: 'dial tcp postgres:5432: connection refused',
      },
    ]);
    expect(
      edges.map(
        e =>
          `${formatObjectRef(e.from)} -> ${formatObjectRef(e.service)} (${
            e.evidence
          })`,
      ),
    ).toContain('Deployment/shop/orders -> Service/shop/postgres (log line)');
  });
});
