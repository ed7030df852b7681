import type { Incident } from '@internal/plugin-ai-sre-common';
import { reliabilityMetrics } from './metrics';

const base: Incident = {
  id: 'a',
  title: 't',
  summary: '',
  entityRef: 'component:default/web',
  impactedEntityRefs: [],
  ownerRef: 'group:default/team-web',
  systemRef: null,
  cluster: 'prod',
  namespace: 'shop',
  severity: 'high',
  status: 'resolved',
  category: 'bad-deploy',
  startedAt: '2025-03-04T00:00:00.000Z',
  openedAt: '2025-03-04T00:01:00.000Z',
  acknowledgedAt: '2025-03-04T00:03:00.000Z',
  resolvedAt: '2025-03-04T00:10:00.000Z',
  updatedAt: '2025-03-04T00:10:00.000Z',
};

describe('reliabilityMetrics', () => {
  const inputs = [
    {
      incident: base,
      detectors: ['crash-loop'],
      executions: [{ status: 'succeeded' }],
    },
    {
      incident: {
        ...base,
        id: 'b',
        openedAt: '2025-03-04T00:03:00.000Z',
        acknowledgedAt: null,
        resolvedAt: '2025-03-04T00:20:00.000Z',
      },
      detectors: ['crash-loop', 'rollout-stuck'],
      executions: [{ status: 'rolled-back' }],
    },
    {
      incident: {
        ...base,
        id: 'c',
        status: 'false-positive' as const,
        ownerRef: 'group:default/team-data',
      },
      detectors: ['latency'],
      executions: [],
    },
  ];

  it('computes MTTD, MTTA, MTTR and false positives per entity', () => {
    expect(reliabilityMetrics(inputs, 'entity')).toEqual([
      {
        key: 'component:default/web',
        incidents: 3,
        falsePositives: 1,
        falsePositiveRate: 0.333,
        mttdSeconds: 120,
        mttaSeconds: 120,
        mttrSeconds: 900,
        executions: { succeeded: 1, rolledBack: 1, failed: 0 },
      },
    ]);
  });

  it('groups by owner and by each detector of an incident', () => {
    expect(
      reliabilityMetrics(inputs, 'owner').map(r => [r.key, r.incidents]),
    ).toEqual([
      ['group:default/team-web', 2],
      ['group:default/team-data', 1],
    ]);
    expect(
      reliabilityMetrics(inputs, 'detector').map(r => [
        r.key,
        r.incidents,
        r.falsePositiveRate,
      ]),
    ).toEqual([
      ['crash-loop', 2, 0],
      ['latency', 1, 1],
      ['rollout-stuck', 1, 0],
    ]);
  });
});
