import type { Signal } from '@internal/plugin-ai-sre-common';
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import { inferDependencies } from '../telemetry/dependencies';
import { runMonitored } from '../telemetry/__testUtils__/sandbox';
import { planFix } from './planner';
import { rankRootCauses } from './rootCause';
import type { DependencyLink, ReasoningContext, SignalGroup } from './types';

jest.setTimeout(180_000);

const ID_LABEL = 'backstage.io/kubernetes-id';

const entityOfLabels = (labels: Record<string, string> | undefined) =>
  labels?.[ID_LABEL] ? [`component:default/${labels[ID_LABEL]}`] : [];

/**
 * Runs an example through the real telemetry pipeline and returns all the
 * signals active at the end as one group, with the changes seen and the
 * inferred dependency links (entities from the kubernetes-id label, as the
 * evaluation derives its catalog).
 */
async function observe(
  scenario: string,
  seconds: number,
): Promise<{ group: SignalGroup; context: ReasoningContext }> {
  const { events, changes, inspected } = await runMonitored(scenario, seconds, {
    inspect: ({ sandbox, monitor }) => {
      const cache = monitor.cache;
      const labelsOf = (
        kind: string,
        namespace: string | undefined,
        name: string,
      ) =>
        cache.get(kind, namespace, name)?.spec?.template?.metadata?.labels as
          | Record<string, string>
          | undefined;
      const dependencies: DependencyLink[] = inferDependencies(cache).map(
        e => ({
          cluster: 'sandbox',
          from: e.from,
          to: e.to,
          fromEntityRefs: entityOfLabels(
            labelsOf(e.from.kind, e.from.namespace, e.from.name),
          ),
          toEntityRefs: e.to.flatMap(t =>
            entityOfLabels(labelsOf(t.kind, t.namespace, t.name)),
          ),
          evidence: e.evidence,
        }),
      );
      return { now: sandbox.clock.now(), dependencies };
    },
  });
  const { now, dependencies } = inspected;

  // The latest version of each signal; the ones still active at the end.
  const latest = new Map<string, Signal>();
  for (const event of events)
    latest.set(event.signal.fingerprint, event.signal);
  const signals = [...latest.values()]
    .filter(s => s.status === 'active')
    .map(s => ({ ...s, entityRefs: entityOfLabels(s.labels) }));
  const group: SignalGroup = {
    key: scenario,
    signals,
    entityRefs: [...new Set(signals.flatMap(s => s.entityRefs))],
    startedAt: Math.min(...signals.map(s => Date.parse(s.firstSeen))),
  };
  const context: ReasoningContext = {
    now,
    changes: changes.map(c => ({ ...c, entityRefs: entityOfLabels(c.labels) })),
    dependencies,
    entities: {},
  };
  return { group, context };
}

const describeSignals = (group: SignalGroup) =>
  group.signals.map(
    s =>
      `${s.detector} ${formatObjectRef(s.object)} ${s.reason} ${s.firstSeen}`,
  );

describe('root cause on the example scenarios', () => {
  it.each([
    // scenario, seconds, category, culprit, entity, first action
    [
      'bookstore-crashloop-after-deploy',
      300,
      'bad-deploy',
      'Deployment/bookstore/catalog-api',
      'component:default/catalog-api',
      'rollback-deployment',
    ],
    [
      'bookstore-image-typo',
      240,
      'image-pull',
      'Deployment/bookstore/web',
      'component:default/web',
      'rollback-deployment',
    ],
    [
      'bookstore-missing-secret',
      240,
      'missing-config',
      'Secret/bookstore/card-processor-credentials',
      'component:default/payments',
      'rollback-deployment',
    ],
    [
      'bookstore-oom-low-memory-limit',
      300,
      'memory-limit',
      'Deployment/bookstore/orders',
      'component:default/orders',
      'set-resources',
    ],
    [
      'bookstore-node-not-ready',
      240,
      'node-failure',
      'Node/node-b',
      'component:default/web',
      'drain-node',
    ],
    [
      'bookstore-database-down',
      300,
      'dependency-failure',
      'StatefulSet/bookstore/postgres',
      'component:default/postgres',
      'notify-owner',
    ],
    [
      'bookstore-traffic-surge-hpa-max',
      420,
      'traffic-surge',
      'HorizontalPodAutoscaler/bookstore/catalog-api',
      'component:default/catalog-api',
      'set-autoscaler',
    ],
  ])('%s', async (scenario, seconds, category, culprit, entity, action) => {
    const { group, context } = await observe(scenario, seconds);
    const ranked = rankRootCauses(group, context);
    const top = ranked[0];
    expect({
      signals: describeSignals(group),
      category: top?.category,
      object: top?.object ? formatObjectRef(top.object) : null,
      entity: top?.entityRef,
    }).toEqual({
      signals: describeSignals(group),
      category,
      object: culprit,
      entity,
    });
    const plan = planFix(top, group, context);
    expect(plan[0].action).toBe(action);
    const total = ranked.reduce((sum, h) => sum + h.confidence, 0);
    expect(total).toBeLessThanOrEqual(1.000001);
  });
});
