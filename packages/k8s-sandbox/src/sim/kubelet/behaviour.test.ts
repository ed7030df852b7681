import { Harness, podManifest } from './testHarness';

const IMAGES = `  db:1: {logs: [db up]}
  web:1:
    traffic: 10
    logs: [serving]
    dependsOn:
      - target: Service/default/db
        onFailure: {errorRate: 0.65, readiness: fail, logs: ['db unavailable']}
      - target: external/payments
        onFailure: {errorRate: 0.2, logs: ['payments unavailable']}
  rules:1:
    rules:
      - if: {envMissing: API_KEY}
        then: {readiness: fail}
      - if: {envEquals: {MODE: broken}}
        then: {errorRate: 1}
`;

const dbService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'db', namespace: 'default' },
  spec: { selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 'pg' }] },
};

const db = () =>
  podManifest('db', [
    { name: 'db', image: 'db:1', ports: [{ name: 'pg', containerPort: 5432 }] },
  ]);
const web = () =>
  podManifest('web', [
    {
      name: 'web',
      image: 'web:1',
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
    },
  ]);

const read = (h: Harness, pod: string, c: string) =>
  h.agents.logs.read('default', pod, c, {
    previous: false,
    timestamps: false,
  }) as string[];

describe('effective behaviour', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('a dependency is up at warm start when its pods are Ready', async () => {
    h = new Harness({ imagesYaml: IMAGES });
    await h.warmStart([web(), dbService, db()]);
    expect(h.ready('db')).toBe(true);
    expect(h.ready('web')).toBe(true);
    expect(
      h.agents.pods.get('default/web')!.containers[0].behaviour.errorRate,
    ).toBe(0);
  });

  it('a Service with no ready pods applies onFailure; a block concatenates logs', async () => {
    h = new Harness({ imagesYaml: IMAGES });
    await h.warmStart([web(), dbService]);
    const c = h.agents.pods.get('default/web')!.containers[0];
    expect(c.behaviour.errorRate).toBe(0.65);
    expect(h.ready('web')).toBe(false);
    h.overrides.setBlocked('Pod/default/web', 'external/payments', true);
    await h.advance(0);
    expect(c.behaviour.errorRate).toBe(0.65);
    expect(c.behaviour.logs).toEqual([
      'db unavailable',
      'payments unavailable',
    ]);
    expect(read(h, 'web', 'web')).toEqual(['db unavailable']);
    await h.advance(30_000);
    expect(read(h, 'web', 'web')).toEqual([
      'db unavailable',
      'payments unavailable',
    ]);
    h.create(db());
    await h.advance(0);
    expect(c.behaviour.errorRate).toBe(0.2);
    h.overrides.setBlocked('Pod/default/web', 'external/payments', false);
    await h.advance(5000);
    expect(c.behaviour.errorRate).toBe(0);
    expect(h.ready('web')).toBe(true);
    expect(read(h, 'web', 'web').slice(-1)).toEqual(['serving']);
  });

  it('a block on a Service target counts it down even with ready pods', async () => {
    h = new Harness({ imagesYaml: IMAGES });
    await h.warmStart([web(), dbService, db()]);
    h.overrides.setBlocked('Pod/default/web', 'Service/default/db', true);
    await h.advance(0);
    expect(
      h.agents.pods.get('default/web')!.containers[0].behaviour.errorRate,
    ).toBe(0.65);
  });

  it('rules follow the resolved environment', async () => {
    h = new Harness({ imagesYaml: IMAGES });
    await h.warmStart([
      podManifest('a', [
        {
          name: 'c',
          image: 'rules:1',
          readinessProbe: { exec: { command: ['true'] } },
        },
      ]),
      podManifest('b', [
        {
          name: 'c',
          image: 'rules:1',
          env: [
            { name: 'API_KEY', value: 'k' },
            { name: 'MODE', value: 'broken' },
          ],
        },
      ]),
    ]);
    expect(h.ready('a')).toBe(false);
    expect(h.ready('b')).toBe(true);
    expect(
      h.agents.pods.get('default/b')!.containers[0].behaviour.errorRate,
    ).toBe(1);
  });

  it('image steps take effect at once; exit counts from when it became active', async () => {
    h = new Harness({ imagesYaml: IMAGES });
    await h.warmStart([dbService, db()]);
    await h.advance(100_000);
    h.overrides.setImage('db:1', {
      exit: { after: 7000, code: 1, log: 'PANIC' },
    });
    await h.advance(6999);
    expect(h.status('db').state.running).toBeDefined();
    await h.advance(1);
    expect(h.status('db').lastState.terminated.exitCode).toBe(1);
    const prev = h.agents.logs.read('default', 'db', 'db', {
      previous: true,
      timestamps: false,
    }) as string[];
    expect(prev.slice(-1)).toEqual(['PANIC']);
  });
});
