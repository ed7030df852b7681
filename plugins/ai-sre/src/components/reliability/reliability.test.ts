import { Incident } from '@internal/plugin-ai-sre-common';
import { incident } from '../../__testUtils__/fixtures';
import {
  incidentsByCategory,
  reliabilityStats,
  statsByGroup,
  statsOverTime,
} from './reliability';

const at = (day: number, minute: number) =>
  `2025-03-0${day}T00:${String(minute).padStart(2, '0')}:00.000Z`;

const incidents: Incident[] = [
  {
    ...incident,
    id: 'a',
    startedAt: at(1, 0),
    openedAt: at(1, 1),
    acknowledgedAt: at(1, 3),
    resolvedAt: at(1, 11),
    status: 'resolved',
  },
  {
    ...incident,
    id: 'b',
    entityRef: 'component:default/web',
    ownerRef: 'group:default/team-web',
    category: 'image-pull',
    startedAt: at(1, 0),
    openedAt: at(1, 3),
    acknowledgedAt: null,
    resolvedAt: at(1, 4),
    status: 'false-positive',
  },
  {
    ...incident,
    id: 'c',
    startedAt: at(3, 0),
    openedAt: at(3, 2),
    status: 'open',
  },
];

describe('reliability figures', () => {
  it('computes MTTD, MTTA, MTTR and the false-positive rate', () => {
    expect(reliabilityStats(incidents)).toEqual({
      incidents: 3,
      acknowledged: 1,
      resolved: 1,
      falsePositives: 1,
      mttdMs: 2 * 60_000,
      mttaMs: 2 * 60_000,
      mttrMs: 11 * 60_000,
      falsePositiveRate: 1 / 3,
    });
    expect(reliabilityStats([])).toMatchObject({
      incidents: 0,
      mttdMs: undefined,
      falsePositiveRate: undefined,
    });
  });

  it('groups per entity and per owner, busiest first', () => {
    expect(
      statsByGroup(incidents, 'entity').map(g => [g.key, g.stats.incidents]),
    ).toEqual([
      ['component:default/catalog-api', 2],
      ['component:default/web', 1],
    ]);
    expect(statsByGroup(incidents, 'owner').map(g => g.key)).toEqual([
      'group:default/team-storefront',
      'group:default/team-web',
    ]);
  });

  it('buckets over time without gaps', () => {
    const days = statsOverTime(incidents, 'day');
    expect(days.map(d => [d.start, d.stats.incidents])).toEqual([
      ['2025-03-01', 2],
      ['2025-03-02', 0],
      ['2025-03-03', 1],
    ]);
    // ISO weeks start on Monday: 1 March 2025 is a Saturday.
    expect(statsOverTime(incidents, 'week').map(w => w.start)).toEqual([
      '2025-02-24',
      '2025-03-03',
    ]);
  });

  it('counts incidents by category', () => {
    expect(incidentsByCategory(incidents)).toEqual([
      { category: 'bad-deploy', count: 2 },
      { category: 'image-pull', count: 1 },
    ]);
  });
});
