import {
  audit,
  crashSignal,
  details,
  execution,
} from '../../__testUtils__/fixtures';
import { buildTimeline, incidentSignals } from './timeline';

describe('buildTimeline', () => {
  it('orders signals, events, changes, agent steps, approvals and executions', () => {
    const entries = buildTimeline({
      details: {
        ...details,
        analysis: {
          ...details.analysis,
          approval: { approved: true, by: 'user:default/guest', comment: 'go' },
        },
        executions: [execution],
      },
      signals: [crashSignal],
      audit,
    });
    expect(entries.map(e => [e.at, e.kind, e.title])).toEqual([
      [null, 'change', 'Change cited by the root cause'],
      [null, 'approval', 'Plan approved'],
      ['2025-03-04T00:01:40.000Z', 'incident', 'First symptom observed'],
      [
        '2025-03-04T00:01:50.000Z',
        'signal',
        'crash-loop: CrashLoopBackOff on Pod/bookstore/catalog-api-7d9f-abcde',
      ],
      [
        '2025-03-04T00:01:55.000Z',
        'event',
        'Warning BackOff on Pod/bookstore/catalog-api-7d9f-abcde',
      ],
      ['2025-03-04T00:02:10.000Z', 'incident', 'Incident opened'],
      ['2025-03-04T00:02:10.000Z', 'agent', 'Agent step: detect'],
      ['2025-03-04T00:02:10.500Z', 'agent', 'Agent step: rootCause'],
      ['2025-03-04T00:04:00.000Z', 'incident', 'Acknowledged'],
      ['2025-03-04T00:05:00.000Z', 'execution', 'Execution started'],
      ['2025-03-04T00:05:20.000Z', 'execution', 'Execution succeeded'],
    ]);
    expect(entries[0].detail).toContain('2.4.0 -> 2.5.0');
    expect(entries[1].detail).toBe('by user:default/guest · “go”');
    expect(entries[3].href).toBe('evidence-sig-crash');
  });

  it('uses change records with their time and diff when the API serves them', () => {
    const entries = buildTimeline({
      details: {
        ...details,
        changes: [
          {
            id: 'chg-1',
            cluster: 'sandbox',
            object: {
              kind: 'Deployment',
              namespace: 'bookstore',
              name: 'catalog-api',
            },
            kind: 'workload-revision',
            at: '2025-03-04T00:01:00.000Z',
            revision: '2',
            summary: 'image 2.4.0 -> 2.5.0',
            diff: [],
            labels: {},
            entityRefs: [],
          },
        ],
      },
      signals: [],
      audit: [],
    });
    expect(entries[0]).toMatchObject({
      at: '2025-03-04T00:01:00.000Z',
      kind: 'change',
      title:
        'workload-revision of Deployment/bookstore/catalog-api (revision 2)',
      href: 'change-chg-1',
    });
  });
});

describe('incidentSignals', () => {
  it('keeps cited signals and the entity signals seen while the incident was open', () => {
    const late = {
      ...crashSignal,
      id: 'other',
      firstSeen: '2025-03-04T00:03:00.000Z',
    };
    const before = {
      ...crashSignal,
      id: 'old',
      firstSeen: '2025-03-03T00:00:00.000Z',
    };
    const elsewhere = {
      ...crashSignal,
      id: 'web',
      entityRefs: ['component:default/web'],
    };
    expect(
      incidentSignals(details, [crashSignal, late, before, elsewhere]).map(
        s => s.id,
      ),
    ).toEqual(['sig-crash', 'other']);
  });
});
