import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import { rankRootCauses } from './rootCause';
import { CASES } from './rules/cases';
import { scenario, signal } from './rules/fixtures';

describe('rankRootCauses', () => {
  it.each(CASES.map(c => [c.name, c]))('%s', (_name, c) => {
    const { group, context } = c.build();
    const ranked = rankRootCauses(group, context);
    const top = ranked[0];
    expect({
      category: top?.category,
      object: top?.object ? formatObjectRef(top.object) : null,
      entity: top?.entityRef,
    }).toEqual({ category: c.category, object: c.object, entity: c.entity });
    // Confidences are a distribution over the explanations, best first.
    const total = ranked.reduce((sum, h) => sum + h.confidence, 0);
    expect(total).toBeLessThanOrEqual(1);
    for (let i = 1; i < ranked.length; i++) {
      expect(ranked[i].confidence).toBeLessThanOrEqual(
        ranked[i - 1].confidence,
      );
    }
    expect(top.summary.length).toBeGreaterThan(20);
    expect(
      top.evidence.signalIds.length + top.evidence.changeIds.length,
    ).toBeGreaterThan(0);
  });

  it('cites the change and the time between it and the first crash', () => {
    const { group, context } = CASES.find(c =>
      c.name.startsWith('bad-deploy'),
    )!.build();
    const [top] = rankRootCauses(group, context);
    expect(top.summary).toMatch(/40 s after revision 7/);
    expect(top.summary).toContain('2.5.0');
    expect(top.evidence.changeIds).toHaveLength(1);
  });

  it('ignores changes long after the symptoms began', () => {
    const { group, context } = CASES.find(c =>
      c.name.startsWith('bad-deploy'),
    )!.build();
    const late = context.changes.map(c => ({
      ...c,
      at: new Date(Date.parse(c.at) + 3_600_000).toISOString(),
    }));
    const [top] = rankRootCauses(group, { ...context, changes: late });
    expect(top.category).toBe('bad-deploy');
    expect(top.evidence.changeIds).toEqual([]);
    expect(top.confidence).toBeLessThan(0.5);
  });

  it('returns nothing for an empty group', () => {
    const { group, context } = scenario([
      signal({
        detector: 'cpu-spike',
        reason: 'CPUAboveBaseline',
        severity: 'low',
      }),
    ]);
    expect(rankRootCauses(group, context)).toEqual([]);
  });
});
