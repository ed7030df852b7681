import { Entity } from '@backstage/catalog-model';
import { EntityResolver } from './EntityResolver';

const component = (
  name: string,
  annotations: Record<string, string>,
  extra: Partial<Entity> = {},
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { owner: 'team-a', lifecycle: 'production', type: 'service' },
  ...extra,
});

describe('EntityResolver', () => {
  const entities: Entity[] = [
    component(
      'web',
      { 'backstage.io/kubernetes-id': 'web' },
      {
        relations: [
          { type: 'ownedBy', targetRef: 'group:default/team-storefront' },
          { type: 'dependsOn', targetRef: 'component:default/catalog-api' },
          { type: 'consumesApi', targetRef: 'api:default/orders-api' },
        ],
      },
    ),
    component('web-staging', {
      'backstage.io/kubernetes-id': 'web',
      'backstage.io/kubernetes-namespace': 'staging',
    }),
    component('orders', {
      'backstage.io/kubernetes-label-selector': 'app=orders,tier!=batch',
    }),
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'API',
      metadata: { name: 'orders-api', namespace: 'default' },
      spec: {},
      relations: [
        { type: 'apiProvidedBy', targetRef: 'component:default/orders' },
      ],
    },
  ];
  const resolver = new EntityResolver({
    fetchEntities: async () => entities,
    now: () => 0,
  });

  it('maps the kubernetes-id label, honouring the namespace annotation', async () => {
    const prod = await resolver.resolve(
      { 'backstage.io/kubernetes-id': 'web' },
      'bookstore',
    );
    expect(prod.map(e => e.ref)).toEqual(['component:default/web']);
    const staging = await resolver.resolve(
      { 'backstage.io/kubernetes-id': 'web' },
      'staging',
    );
    expect(staging.map(e => e.ref).sort()).toEqual([
      'component:default/web',
      'component:default/web-staging',
    ]);
  });

  it('maps label selectors', async () => {
    expect(
      (await resolver.resolve({ app: 'orders' }, 'x')).map(e => e.ref),
    ).toEqual(['component:default/orders']);
    expect(
      await resolver.resolve({ app: 'orders', tier: 'batch' }, 'x'),
    ).toEqual([]);
    expect(await resolver.resolve({}, 'x')).toEqual([]);
  });

  it('knows owners, and dependencies through relations and consumed APIs', async () => {
    const web = await resolver.info('component:web');
    expect(web?.ownerRef).toBe('group:default/team-storefront');
    expect(web?.dependsOn.sort()).toEqual([
      'component:default/catalog-api',
      'component:default/orders',
    ]);
    expect((await resolver.info('component:orders'))?.ownerRef).toBe(
      'group:default/team-a',
    );
  });
});
