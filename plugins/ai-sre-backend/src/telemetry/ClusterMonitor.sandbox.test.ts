import type { Signal } from '@internal/plugin-ai-sre-common';
import type { Sandbox } from '@internal/k8s-sandbox';
import { runMonitored } from './__testUtils__/sandbox';

jest.setTimeout(120_000);

async function run(
  scenario: string,
  seconds: number,
  disrupt?: (sandbox: Sandbox, t: number) => void,
) {
  const { events, opened, inspected } = await runMonitored(scenario, seconds, {
    afterStep: disrupt,
    inspect: ({ monitor }) => monitor.health(),
  });
  return { events, opened, health: inspected };
}

const summary = (signals: Signal[]) =>
  signals.map(
    s => `${s.detector} ${s.object.kind}/${s.object.name} ${s.reason}`,
  );

describe('telemetry on the sandbox', () => {
  it.each([
    [
      'bookstore-crashloop-after-deploy',
      240,
      'crash-loop',
      'Pod',
      /^catalog-api-/,
    ],
    ['bookstore-image-typo', 240, 'image-pull', 'Pod', /^web-/],
    ['bookstore-missing-secret', 240, 'container-config', 'Pod', /^payments-/],
    ['bookstore-oom-low-memory-limit', 300, 'oom-killed', 'Pod', /^orders-/],
    ['bookstore-node-not-ready', 240, 'node-not-ready', 'Node', /^node-b$/],
    ['bookstore-database-down', 300, 'crash-loop', 'Pod', /^postgres-/],
    [
      'bookstore-traffic-surge-hpa-max',
      420,
      'hpa-limited',
      'HorizontalPodAutoscaler',
      /^catalog-api$/,
    ],
    [
      'bookstore-traffic-surge-hpa-max',
      420,
      'cpu-throttling',
      'Pod',
      /^catalog-api-/,
    ],
    ['bookstore-database-down', 300, 'error-rate', 'Deployment', /^web$/],
  ])('%s (%is): %s on %s', async (scenario, seconds, detector, kind, name) => {
    const { opened } = await run(scenario, seconds);
    expect(
      opened.filter(
        s =>
          s.detector === detector &&
          s.object.kind === kind &&
          name.test(s.object.name),
      ),
    ).not.toHaveLength(0);
  });

  it('stays silent on a healthy rollout with a CronJob', async () => {
    const { opened } = await run('bookstore-healthy-rollout', 900);
    expect(summary(opened)).toEqual([]);
  });

  it('loses and duplicates nothing when watches drop and versions expire', async () => {
    const { opened, events, health } = await run(
      'bookstore-crashloop-after-deploy',
      300,
      (sandbox, t) => {
        if (t % 40 === 0) {
          // Drop every watch; every other time also expire the versions they
          // would resume from, so the informers must relist.
          if (t % 80 === 0) sandbox.cluster.store.compact();
          sandbox.server.closeWatches();
        }
      },
    );
    expect(health.relists).toBeGreaterThan(0);
    expect(opened.some(s => s.detector === 'crash-loop')).toBe(true);
    const fingerprints = opened.map(s => s.fingerprint);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    // No signal resolves and reopens because of a relist either.
    const resolvedThenReopened = events.filter(
      (e, i) =>
        e.type === 'opened' &&
        events
          .slice(0, i)
          .some(
            p =>
              p.type === 'resolved' &&
              p.signal.fingerprint === e.signal.fingerprint,
          ),
    );
    expect(resolvedThenReopened).toEqual([]);
  });
});
