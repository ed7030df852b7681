import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  InputError,
  parseSnapshot,
  readSnapshots,
  snapshotTime,
} from './snapshot';

const pod = (name: string, namespace = 'shop') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, uid: `uid-${name}` },
});

describe('parseSnapshot', () => {
  it('reads a List as kubectl get -A -o json writes it', () => {
    const text = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: '' },
      items: [
        pod('a'),
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } },
      ],
    });
    expect(parseSnapshot(text, 'f.json').map(o => o.kind)).toEqual([
      'Pod',
      'Node',
    ]);
  });

  it('reads a typed list as the API answers it (items without kind)', () => {
    const text = JSON.stringify({
      kind: 'PodList',
      items: [{ metadata: { name: 'a', namespace: 'shop' } }],
    });
    expect(parseSnapshot(text, 'f.json')).toEqual([
      { kind: 'Pod', metadata: { name: 'a', namespace: 'shop' } },
    ]);
  });

  it('reads YAML, several documents, single objects among them', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Pod',
      '    metadata: {name: a, namespace: shop}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  namespace: shop',
      '---',
      '',
    ].join('\n');
    expect(
      parseSnapshot(text, 'f.yaml').map(o => `${o.kind}/${o.metadata?.name}`),
    ).toEqual(['Pod/a', 'Deployment/web']);
  });

  it.each([
    ['', /f is empty: expected a Kubernetes List/],
    ['  \n', /f is empty/],
    [
      '{"kind": "List", "items": [',
      /f is not Kubernetes JSON or YAML: invalid JSON/,
    ],
    ['a: [1, 2\nb: }', /f is not Kubernetes JSON or YAML: invalid YAML/],
    [
      'just some words',
      /f is not a Kubernetes List or object: expected `kind` and `items`/,
    ],
    ['[1, 2, 3]', /f is not a Kubernetes List or object/],
    ['{"foo": 1}', /f is not a Kubernetes List or object/],
    [
      '{"kind": "List", "items": [{"metadata": {}}]}',
      /item 0 of its List has no kind or metadata.name/,
    ],
    ['{"kind": "PodList"}', /its PodList has no items array/],
    ['{"kind": "Pod", "spec": {}}', /its Pod has no metadata.name/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSnapshot(text, 'f')).toThrow(InputError);
    expect(() => parseSnapshot(text, 'f')).toThrow(message);
  });
});

describe('readSnapshots', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-sre-snapshot-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('merges files, later ones winning, and counts kinds it does not read', () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.yaml');
    fs.writeFileSync(
      a,
      JSON.stringify({
        kind: 'List',
        items: [
          { ...pod('x'), status: { phase: 'Pending' } },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        ],
      }),
    );
    fs.writeFileSync(
      b,
      'kind: Pod\napiVersion: v1\nmetadata: {name: x, namespace: shop}\nstatus: {phase: Running}\n',
    );
    const read = readSnapshots([a, b]);
    expect(read.objects).toHaveLength(1);
    expect(read.objects[0].status.phase).toBe('Running');
    expect(read.ignored).toEqual({ Namespace: 1 });
  });

  it('says why a file cannot be read', () => {
    expect(() => readSnapshots([path.join(dir, 'missing.json')])).toThrow(
      `cannot read snapshot ${path.join(dir, 'missing.json')}: no such file`,
    );
    expect(() => readSnapshots([dir])).toThrow(
      `cannot read snapshot ${dir}: it is a directory`,
    );
  });
});

describe('snapshotTime', () => {
  it('is the latest time the cluster wrote, not times in spec or data', () => {
    const objects = [
      {
        kind: 'Pod',
        metadata: {
          name: 'a',
          creationTimestamp: '2025-03-04T00:00:00Z',
          managedFields: [{ time: '2025-03-04T00:03:00Z' }],
        },
        spec: { note: { startTime: '2030-01-01T00:00:00Z' } },
        status: {
          containerStatuses: [
            { state: { running: { startedAt: '2025-03-04T00:02:00Z' } } },
          ],
        },
      },
      {
        kind: 'Event',
        metadata: { name: 'e' },
        lastTimestamp: '2025-03-04T00:04:30Z',
      },
      {
        kind: 'ConfigMap',
        metadata: { name: 'c' },
        data: { time: '2031-01-01T00:00:00Z' },
      },
      {
        kind: 'Node',
        metadata: { name: 'n' },
        status: {
          conditions: [{ lastHeartbeatTime: 'not a time' }],
        },
      },
    ];
    expect(new Date(snapshotTime(objects)!).toISOString()).toBe(
      '2025-03-04T00:04:30.000Z',
    );
    expect(snapshotTime([{ kind: 'Pod', metadata: { name: 'a' } }])).toBe(
      undefined,
    );
  });
});
