import path from 'node:path';
import { runTargets } from './run';
import { scoreRun } from './scorer';

jest.setTimeout(120_000);

const EXAMPLES = path.resolve(
  __dirname,
  '../../k8s-sandbox/scenarios/examples',
);

describe('the pipeline on example scenarios', () => {
  it('finds the image typo on web and nothing in a healthy rollout', async () => {
    const results = await runTargets([
      path.join(EXAMPLES, 'bookstore-image-typo.yaml'),
      path.join(EXAMPLES, 'bookstore-healthy-rollout.yaml'),
    ]);
    const [typo, healthy] = results.map(r => r.report);

    expect(typo.error).toBeNull();
    expect(typo.incidents.length).toBeGreaterThan(0);
    const incident = typo.incidents[0];
    expect(incident.entity).toBe('component:default/web');
    expect(incident.rootCause[0]).toMatchObject({
      category: 'image-pull',
      object: 'Deployment/bookstore/web',
    });
    expect(incident.plan[0]).toBe('rollback-deployment');
    expect(incident.decision).toBe('ask-human');
    // The new revision is applied at 95s; the incident opens within minutes.
    expect(incident.openedAt).toMatch(/^\d+s$/);
    expect(parseInt(incident.openedAt, 10)).toBeLessThan(180);
    // The evaluation approves the plan; the rollback through the execution
    // layer makes web healthy again by the end.
    expect(typo.resolved).toBe(true);

    expect(healthy).toMatchObject({
      id: 'bookstore-healthy-rollout',
      incidents: [],
      resolved: true,
      error: null,
    });

    const { scores } = scoreRun(
      results.map(r => ({ report: r.report, scenario: r.scenario })),
    );
    expect(scores.detectionRecall.rate).toBe(1);
    expect(scores.falseIncidents.rate).toBe(0);
    expect(scores.firstAction.rate).toBe(1);
    expect(scores.resolved.rate).toBe(1);
  });
});
