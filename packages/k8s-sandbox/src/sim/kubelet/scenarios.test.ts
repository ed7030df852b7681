import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../../scenario';
import { SimulatedCluster } from '../SimulatedCluster';
import type { Obj } from './format';

const DIR = join(__dirname, '../../../scenarios/examples');

async function run(file: string) {
  const scenario = parseScenario(readFileSync(join(DIR, file), 'utf8'), file);
  const cluster = new SimulatedCluster({ scenario });
  await cluster.start();
  return cluster;
}

function pods(cluster: SimulatedCluster, ns = 'bookstore'): Obj[] {
  return cluster.store.list('pods', { namespace: ns }).items as Obj[];
}

const isReady = (p: Obj) =>
  (p.status?.conditions ?? []).some(
    (c: Obj) => c.type === 'Ready' && c.status === 'True',
  );

function summary(cluster: SimulatedCluster): string[] {
  return pods(cluster).map(p => {
    const s = p.status?.containerStatuses?.[0] ?? {};
    const state = Object.keys(s.state ?? {})[0];
    const reason = s.state?.[state]?.reason ?? '';
    return `${p.metadata.name} ${p.status?.phase} ready=${isReady(
      p,
    )} ${state} ${reason} restarts=${s.restartCount}`;
  });
}

describe('example scenarios through the whole cluster', () => {
  let cluster: SimulatedCluster | undefined;
  afterEach(() => cluster?.stop());

  it('healthy start: every pod Ready at t=0 with restartCount 0', async () => {
    cluster = await run('bookstore-healthy-rollout.yaml');
    const all = pods(cluster);
    expect(all.length).toBeGreaterThan(0);
    for (const p of all.filter(
      x => !x.metadata.ownerReferences?.some((o: Obj) => o.kind === 'Job'),
    )) {
      expect([p.metadata.name, isReady(p)]).toEqual([p.metadata.name, true]);
      expect(p.status.containerStatuses[0].restartCount).toBe(0);
    }
    await cluster.runUntil(5 * 60_000);
    expect(summary(cluster).every(l => !l.includes('CrashLoop'))).toBe(true);
  });

  it('crashloop after deploy: new pods crash-loop, old pods stay', async () => {
    cluster = await run('bookstore-crashloop-after-deploy.yaml');
    await cluster.runUntil(200_000);
    const lines = summary(cluster);
    expect(
      lines.some(
        l => l.startsWith('catalog-api') && l.includes('CrashLoopBackOff'),
      ),
    ).toBe(true);
    expect(
      lines.filter(l => l.startsWith('catalog-api') && l.includes('ready=true'))
        .length,
    ).toBeGreaterThan(0);
  });

  it('missing secret: CreateContainerConfigError', async () => {
    cluster = await run('bookstore-missing-secret.yaml');
    await cluster.runUntil(150_000);
    expect(
      summary(cluster).some(
        l =>
          l.startsWith('payments') && l.includes('CreateContainerConfigError'),
      ),
    ).toBe(true);
  });

  it('image typo: ImagePullBackOff', async () => {
    cluster = await run('bookstore-image-typo.yaml');
    await cluster.runUntil(150_000);
    expect(
      summary(cluster).some(
        l => l.startsWith('web') && l.includes('ImagePullBackOff'),
      ),
    ).toBe(true);
  });

  it('OOM: orders pods are OOMKilled repeatedly', async () => {
    cluster = await run('bookstore-oom-low-memory-limit.yaml');
    await cluster.runUntil(300_000);
    const orders = pods(cluster).filter(p =>
      p.metadata.name.startsWith('orders'),
    );
    expect(
      orders.some(
        p =>
          p.status.containerStatuses[0].lastState.terminated?.reason ===
          'OOMKilled',
      ),
    ).toBe(true);
  });

  it('database down: postgres crash-loops and dependents lose readiness', async () => {
    cluster = await run('bookstore-database-down.yaml');
    await cluster.runUntil(100_000);
    expect(pods(cluster).every(isReady)).toBe(true);
    await cluster.runUntil(200_000);
    const lines = summary(cluster);
    expect(
      lines.some(l => l.startsWith('postgres') && !l.includes('ready=true')),
    ).toBe(true);
    expect(
      lines.some(l => l.startsWith('catalog-api') && l.includes('ready=false')),
    ).toBe(true);
    const text = cluster.nodeAgents.exposition();
    expect(text).toContain('http_requests_total{namespace="bookstore"');
  });

  it('node not ready: pods there freeze, then Terminating', async () => {
    cluster = await run('bookstore-node-not-ready.yaml');
    await cluster.runUntil(500_000);
    const onB = pods(cluster).filter(p => p.spec.nodeName === 'node-b');
    expect(onB.length).toBeGreaterThan(0);
    expect(onB.every(p => p.metadata.deletionTimestamp)).toBe(true);
    expect(
      cluster.nodeAgents.metricsApi.nodeMetrics().map(n => n.metadata.name),
    ).not.toContain('node-b');
  });

  it('traffic surge: catalog-api throttled', async () => {
    cluster = await run('bookstore-traffic-surge-hpa-max.yaml');
    await cluster.runUntil(400_000);
    const text = cluster.nodeAgents.exposition();
    const throttled = text
      .split('\n')
      .filter(
        l =>
          l.startsWith('container_cpu_cfs_throttled_periods_total') &&
          l.includes('catalog-api'),
      )
      .map(l => Number(l.split(' ')[1]));
    expect(Math.max(...throttled)).toBeGreaterThan(0);
  });
});
