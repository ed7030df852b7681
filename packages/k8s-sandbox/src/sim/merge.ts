import type { Scenario } from '../scenario';

/**
 * Several scenarios as one: objects in order (a later object with the same
 * kind, namespace and name replaces an earlier one), images merged (later
 * wins), timelines merged by `at` (ties keep file order), the longest
 * duration. `expect` is dropped: a merged run is never scored.
 */
export function mergeScenarios(scenarios: Scenario[]): Scenario {
  if (scenarios.length === 1) {
    return scenarios[0];
  }
  const objects = new Map<string, Scenario['cluster']['objects'][number]>();
  for (const scenario of scenarios) {
    for (const object of scenario.cluster.objects) {
      const meta = object.metadata ?? {};
      objects.set(
        `${object.kind}/${meta.namespace ?? ''}/${meta.name}`,
        object,
      );
    }
  }
  const timeline = scenarios
    .flatMap((scenario, order) =>
      scenario.timeline.map(step => ({ step, order })),
    )
    .sort(
      (a, b) =>
        a.step.at - b.step.at ||
        a.order - b.order ||
        a.step.index - b.step.index,
    )
    .map(({ step }) => step);
  const first = scenarios[0];
  return {
    ...first,
    id: scenarios.map(s => s.id).join('+'),
    title: scenarios.map(s => s.title).join(' + '),
    duration: Math.max(...scenarios.map(s => s.duration)),
    cluster: { nodes: first.cluster.nodes, objects: [...objects.values()] },
    images: Object.assign({}, ...scenarios.map(s => s.images)),
    timeline,
    expect: undefined,
  };
}
