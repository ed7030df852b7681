import type { Expectation, Scenario } from '@internal/k8s-sandbox';
import type { IncidentReport, ScenarioReport } from './report';
import { parseSeconds, percentile, scoreRun, scoreScenario } from './scorer';

function scenario(id: string, expect: Expectation): Scenario {
  return {
    version: 1,
    id,
    title: id,
    file: `${id}.yaml`,
    duration: 600_000,
    durationText: '10m',
    cluster: { nodes: [], objects: [] },
    images: {},
    timeline: [],
    expect,
  };
}

const ref = (text: string) => {
  const [kind, namespace, name] = text.split('/');
  return name
    ? { kind, namespace, name, ref: text }
    : { kind, name: namespace, ref: text };
};

function incident(over: Partial<IncidentReport> = {}): IncidentReport {
  return {
    entity: 'component:default/web',
    impacted: [],
    openedAt: '30s',
    rootCause: [
      {
        category: 'image-pull',
        object: 'Deployment/shop/web',
        confidence: 0.7,
      },
    ],
    plan: ['rollback-deployment', 'notify-owner'],
    decision: 'ask-human',
    ...over,
  };
}

function report(
  id: string,
  incidents: IncidentReport[],
  over: Partial<ScenarioReport> = {},
): ScenarioReport {
  return { id, incidents, resolved: false, wallMs: 1, error: null, ...over };
}

const imagePull: Expectation = {
  incident: true,
  entity: 'component:default/web',
  rootCause: { category: 'image-pull', object: ref('Deployment/shop/web') },
  actions: ['rollback-deployment'],
  resolvesWith: 'rollback-deployment',
};
const healthy: Expectation = {
  incident: false,
  rootCause: { category: 'none' },
  actions: [],
};

describe('scoreScenario', () => {
  it('scores a fully correct incident', () => {
    const s = scoreScenario({
      report: report('a', [incident()], { resolved: true }),
      scenario: scenario('a', imagePull),
    });
    expect(s).toMatchObject({
      detected: true,
      top1: true,
      top3: true,
      objectTop1: true,
      objectTop3: true,
      entity: true,
      firstAction: true,
      resolved: true,
      openedAtSeconds: 30,
    });
    expect(s.falseIncident).toBeUndefined();
  });

  it('counts a missed incident against every incident metric', () => {
    const s = scoreScenario({
      report: report('a', []),
      scenario: scenario('a', imagePull),
    });
    expect(s).toMatchObject({
      detected: false,
      top1: false,
      top3: false,
      objectTop1: false,
      entity: false,
      firstAction: false,
      resolved: false,
    });
    expect(s.openedAtSeconds).toBeUndefined();
  });

  it('gives top-3 credit for a category ranked second', () => {
    const s = scoreScenario({
      report: report('a', [
        incident({
          rootCause: [
            {
              category: 'bad-deploy',
              object: 'Deployment/shop/web',
              confidence: 0.5,
            },
            { category: 'network', object: null, confidence: 0.2 },
            {
              category: 'image-pull',
              object: 'Deployment/shop/api',
              confidence: 0.1,
            },
          ],
        }),
      ]),
      scenario: scenario('a', imagePull),
    });
    expect(s).toMatchObject({
      top1: false,
      top3: true,
      objectTop1: true,
      objectTop3: true,
    });
  });

  it('scores the incident on the expected entity, entity accuracy on the first', () => {
    const other = incident({
      entity: 'component:default/api',
      openedAt: '10s',
      rootCause: [{ category: 'network', object: null, confidence: 0.3 }],
      plan: ['notify-owner'],
    });
    const s = scoreScenario({
      report: report('a', [other, incident({ openedAt: '45s' })]),
      scenario: scenario('a', imagePull),
    });
    expect(s.incident?.entity).toBe('component:default/web');
    expect(s).toMatchObject({
      top1: true,
      firstAction: true,
      entity: false,
      openedAtSeconds: 45,
    });
  });

  it('counts any incident on a healthy scenario as false', () => {
    const noisy = scoreScenario({
      report: report('h', [incident()]),
      scenario: scenario('h', healthy),
    });
    expect(noisy.falseIncident).toBe(true);
    expect(noisy.detected).toBeUndefined();
    expect(
      scoreScenario({
        report: report('h', [], { resolved: true }),
        scenario: scenario('h', healthy),
      }),
    ).toEqual(expect.objectContaining({ falseIncident: false }));
  });

  it('accepts any of the expected first actions', () => {
    const s = scoreScenario({
      report: report('n', [incident({ plan: ['cordon-node'] })]),
      scenario: scenario('n', {
        ...imagePull,
        actions: ['drain-node', 'cordon-node'],
      }),
    });
    expect(s.firstAction).toBe(true);
  });
});

describe('scoreRun', () => {
  it('aggregates every metric', () => {
    const { scores } = scoreRun([
      {
        report: report('a', [incident({ openedAt: '20s' })], {
          resolved: true,
        }),
        scenario: scenario('a', imagePull),
      },
      {
        report: report('b', [
          incident({
            openedAt: '100s',
            entity: 'component:default/api',
            plan: ['notify-owner'],
            rootCause: [
              {
                category: 'bad-deploy',
                object: 'Deployment/shop/web',
                confidence: 0.5,
              },
              { category: 'image-pull', object: null, confidence: 0.4 },
            ],
          }),
        ]),
        scenario: scenario('b', imagePull),
      },
      { report: report('c', []), scenario: scenario('c', imagePull) },
      { report: report('d', [incident()]), scenario: scenario('d', healthy) },
      {
        report: report('e', [], { resolved: true }),
        scenario: scenario('e', healthy),
      },
      {
        report: report('broken', [], { error: 'broken.yaml: bad' }),
      },
    ]);
    expect(scores).toEqual({
      scenarios: 6,
      errors: 1,
      detectionRecall: { hits: 2, of: 3, rate: 2 / 3 },
      falseIncidents: { hits: 1, of: 2, rate: 0.5 },
      rootCauseTop1: { hits: 1, of: 3, rate: 1 / 3 },
      rootCauseTop3: { hits: 2, of: 3, rate: 2 / 3 },
      objectTop1: { hits: 2, of: 3, rate: 2 / 3 },
      objectTop3: { hits: 2, of: 3, rate: 2 / 3 },
      entity: { hits: 1, of: 3, rate: 1 / 3 },
      firstAction: { hits: 1, of: 3, rate: 1 / 3 },
      resolved: { hits: 1, of: 3, rate: 1 / 3 },
      timeToOpen: { p50: 20, p95: 100, n: 2 },
    });
  });

  it('reports null rates when nothing applies', () => {
    const { scores } = scoreRun([]);
    expect(scores.detectionRecall).toEqual({ hits: 0, of: 0, rate: null });
    expect(scores.timeToOpen).toEqual({ p50: null, p95: null, n: 0 });
  });
});

describe('helpers', () => {
  it('parses seconds and takes nearest-rank percentiles', () => {
    expect(parseSeconds('95s')).toBe(95);
    expect(parseSeconds('soon')).toBeUndefined();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});
