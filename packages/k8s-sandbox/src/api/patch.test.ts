import { ApiError } from './errors';
import {
  jsonMergePatch,
  jsonPatch,
  strategicMergePatch,
  applyPatchOfType,
} from './patch';

const podSpec = {
  spec: {
    containers: [
      {
        name: 'app',
        image: 'app:1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        ports: [{ containerPort: 8080 }],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
      },
      { name: 'sidecar', image: 'proxy:1' },
    ],
    tolerations: [{ key: 'a', operator: 'Exists' }],
  },
  metadata: { finalizers: ['a'] },
};

describe('patches', () => {
  it('merge patch follows RFC 7386', () => {
    expect(
      jsonMergePatch(
        { a: 1, b: { c: 2, d: 3 }, e: [1] },
        { b: { c: null }, e: [2] },
      ),
    ).toEqual({ a: 1, b: { d: 3 }, e: [2] });
  });

  it('strategic merge patch merges lists by their merge keys', () => {
    const out = strategicMergePatch(podSpec, {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'app:2',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
            volumeMounts: [{ mountPath: '/etc/cfg', $patch: 'delete' }],
          },
          { name: 'sidecar', $patch: 'delete' },
        ],
        tolerations: [{ key: 'b', operator: 'Exists' }],
      },
      metadata: { finalizers: ['b'] },
      $setElementOrder: 'ignored',
    }) as any;
    const app = out.spec.containers[0];
    expect(out.spec.containers).toHaveLength(1);
    expect(app.image).toBe('app:2');
    expect(app.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
    expect(app.ports).toEqual([{ containerPort: 8080 }]);
    expect(app.volumeMounts).toEqual([]);
    expect(out.spec.tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
    expect(out.metadata.finalizers).toEqual(['a', 'b']);
  });

  it('strategic merge patch honours $patch replace and annotations', () => {
    const base = {
      spec: {
        template: { metadata: { annotations: { a: '1' } } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      },
    };
    const out = strategicMergePatch(base, {
      spec: {
        template: { metadata: { annotations: { b: '2' } } },
        strategy: { $patch: 'replace', type: 'Recreate' },
      },
    }) as any;
    expect(out.spec.template.metadata.annotations).toEqual({ a: '1', b: '2' });
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    const replaced = strategicMergePatch(podSpec, {
      spec: {
        containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }],
      },
    }) as any;
    expect(replaced.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
  });

  it('json patch applies operations and rejects bad ones', () => {
    expect(
      jsonPatch({ spec: { replicas: 1 } }, [
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'add', path: '/metadata', value: { name: 'x' } },
      ]),
    ).toEqual({ spec: { replicas: 3 }, metadata: { name: 'x' } });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ApiError).status.code;
      }
      return 0;
    };
    expect(code(() => jsonPatch({}, { op: 'add' }))).toBe(400);
    expect(code(() => jsonPatch({}, [{ path: '/a' }]))).toBe(400);
    expect(
      code(() => jsonPatch({}, [{ op: 'replace', path: '/a/b', value: 1 }])),
    ).toBe(422);
    expect(code(() => applyPatchOfType('merge', {}, [1]))).toBe(400);
  });
});
