import { diffValues, formatPath, jsonEqual } from './diff';

describe('diffValues', () => {
  it('keys lists of named items by name', () => {
    const before = {
      containers: [
        {
          name: 'catalog-api',
          image: 'ghcr.io/x/catalog-api:2.4.0',
          env: [
            { name: 'LISTEN_PORT', value: '3000' },
            { name: 'CACHE_TTL', value: '60' },
          ],
        },
      ],
    };
    const after = {
      containers: [
        {
          name: 'catalog-api',
          image: 'ghcr.io/x/catalog-api:2.5.0',
          env: [
            { name: 'CACHE_TTL', value: '5' },
            { name: 'LISTEN_PORT', value: '3000' },
            { name: 'NEW', value: 'x' },
          ],
        },
      ],
    };
    expect(diffValues(before, after, 'spec.template.spec')).toEqual([
      {
        path: 'spec.template.spec.containers[catalog-api].env[CACHE_TTL].value',
        before: '60',
        after: '5',
      },
      {
        path: 'spec.template.spec.containers[catalog-api].env[NEW]',
        before: undefined,
        after: { name: 'NEW', value: 'x' },
      },
      {
        path: 'spec.template.spec.containers[catalog-api].image',
        before: 'ghcr.io/x/catalog-api:2.4.0',
        after: 'ghcr.io/x/catalog-api:2.5.0',
      },
    ]);
  });

  it('compares lists of scalars whole and others by index', () => {
    expect(
      diffValues({ args: ['--a', '1'] }, { args: ['--a', '2', '--b'] }),
    ).toEqual([
      { path: 'args', before: ['--a', '1'], after: ['--a', '2', '--b'] },
    ]);
    expect(
      diffValues(
        { tolerations: [{ key: 'a', effect: 'NoSchedule' }] },
        { tolerations: [{ key: 'a', effect: 'NoExecute' }] },
      ),
    ).toEqual([
      {
        path: 'tolerations[0].effect',
        before: 'NoSchedule',
        after: 'NoExecute',
      },
    ]);
    expect(
      diffValues({ t: [{ key: 'a' }] }, { t: [{ key: 'a' }, { key: 'b' }] }),
    ).toEqual([
      {
        path: 't',
        before: [{ key: 'a' }],
        after: [{ key: 'a' }, { key: 'b' }],
      },
    ]);
  });

  it('keys conditions by type and quotes unusual keys', () => {
    expect(
      diffValues(
        {
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'DiskPressure', status: 'False' },
          ],
        },
        {
          conditions: [
            { type: 'DiskPressure', status: 'False' },
            { type: 'Ready', status: 'Unknown' },
          ],
        },
        'status',
      ),
    ).toEqual([
      {
        path: 'status.conditions[Ready].status',
        before: 'True',
        after: 'Unknown',
      },
    ]);
    expect(
      diffValues(
        { 'app.properties': 'a=1', 'cache-ttl': '60' },
        { 'app.properties': 'a=2', 'cache-ttl': '60' },
        'data',
      ),
    ).toEqual([
      { path: 'data["app.properties"]', before: 'a=1', after: 'a=2' },
    ]);
  });

  it('is stable whatever the key order and ignores undefined keys', () => {
    const a = { b: 1, a: { y: 1, x: 2 }, c: undefined };
    const b = { a: { x: 3, y: 1 }, b: 2 };
    expect(diffValues(a, b).map(e => e.path)).toEqual(['a.x', 'b']);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(diffValues({ a: [1, 2] }, { a: [1, 2] })).toEqual([]);
  });

  it('reports added and removed values at the top', () => {
    expect(diffValues(undefined, { a: 1 }, 'spec')).toEqual([
      { path: 'spec', before: undefined, after: { a: 1 } },
    ]);
    expect(
      formatPath([{ key: 'a' }, { index: 0 }, { item: 'x', by: 'name' }]),
    ).toBe('a[0][x]');
  });
});
