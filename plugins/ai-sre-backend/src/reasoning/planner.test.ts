import { REMEDIATION_ACTIONS } from '@internal/plugin-ai-sre-common';
import { planFix } from './planner';
import { rankRootCauses } from './rootCause';
import { CASES } from './rules/cases';

describe('planFix', () => {
  it.each(CASES.map(c => [c.name, c]))('%s', (_name, c) => {
    const { group, context } = c.build();
    const [top] = rankRootCauses(group, context);
    const plan = planFix(top, group, context);
    expect(plan[0].action).toBe(c.action);
    expect(plan[0].params).toMatchObject(c.params ?? {});
    for (const step of plan) {
      expect(REMEDIATION_ACTIONS).toContain(step.action);
      expect(step.expectedEffect).not.toBe('');
      expect(step.verification).not.toBe('');
      expect(step.inverse).not.toBe('');
    }
  });

  it('follows a fix with a notification to the owner', () => {
    const c = CASES.find(x => x.name.startsWith('memory-limit'))!;
    const { group, context } = c.build();
    const [top] = rankRootCauses(group, context);
    context.entities[top.entityRef!] = {
      ownerRef: 'group:default/orders-team',
      lifecycle: 'production',
      dependsOn: [],
    };
    const plan = planFix(top, group, context);
    expect(plan.map(s => s.action)).toEqual(['set-resources', 'notify-owner']);
    expect(plan[1].params.owner).toBe('group:default/orders-team');
  });

  it('restarts a leaking workload, then raises its limit', () => {
    const c = CASES.find(x => x.name.startsWith('memory-leak'))!;
    const { group, context } = c.build();
    const [top] = rankRootCauses(group, context);
    const plan = planFix(top, group, context);
    expect(plan.map(s => s.action)).toEqual([
      'restart-workload',
      'set-resources',
      'notify-owner',
    ]);
    expect(plan[1].params.memoryLimit).toBe('384Mi');
  });

  it('drains then cordons a failed node', () => {
    const c = CASES.find(x => x.name.startsWith('node-failure'))!;
    const { group, context } = c.build();
    const [top] = rankRootCauses(group, context);
    expect(planFix(top, group, context).map(s => s.action)).toEqual([
      'drain-node',
      'cordon-node',
      'notify-owner',
    ]);
  });
});
