import { mockServices } from '@backstage/backend-test-utils';
import type { Signal } from '@internal/plugin-ai-sre-common';
import { Knex } from 'knex';
import { defaultPolicyConfig } from '../policy';
import { KnexCheckpointSaver } from '../store/checkpoint';
import { IncidentStore } from '../store/IncidentStore';
import { createTestDatabases } from '../__testUtils__/databases';
import { IncidentEngine } from './IncidentEngine';
import { CASES } from './rules/cases';
import { deployment, signal } from './rules/fixtures';
import type { Executor } from './workflow';

const { databases, ids } = createTestDatabases();
jest.setTimeout(60_000);

const badDeploy = CASES.find(c => c.category === 'bad-deploy')!;

function engineOn(
  knex: Knex,
  clock: { t: number },
  overrides: Partial<ConstructorParameters<typeof IncidentEngine>[0]> = {},
) {
  const incidents = new IncidentStore(knex);
  const executed: string[][] = [];
  const executor: Executor = {
    execute: async (_id, plan) => {
      executed.push(plan.map(step => step.action));
      return { status: 'succeeded', details: 'rolled back' };
    },
  };
  const engine = new IncidentEngine({
    incidents,
    checkpointer: new KnexCheckpointSaver(knex),
    policy: defaultPolicyConfig(),
    clock: { now: () => clock.t },
    logger: mockServices.logger.mock(),
    executor,
    entityFacts: ref => ({
      ownerRef: 'group:default/team-catalog',
      systemRef: 'system:default/shop',
      lifecycle: ref.includes('catalog-api') ? 'production' : null,
    }),
    ...overrides,
  });
  return { engine, incidents, executed };
}

async function threadIds(knex: Knex): Promise<string[]> {
  const rows = await knex('ai_sre_checkpoints').distinct('thread_id');
  return rows.map(r => r.thread_id).sort();
}

describe.each(ids.map(id => [id]))('the incident engine on %s', databaseId => {
  let knex: Knex;
  beforeEach(async () => {
    knex = await databases.init(databaseId);
    await IncidentStore.migrate(knex);
  });

  it('opens one incident per problem, with its analysis and agent trace, and never duplicates it', async () => {
    const { group, context } = badDeploy.build();
    const clock = { t: context.now };
    const { engine, incidents } = engineOn(knex, clock);

    await engine.evaluate('prod', group.signals, context);
    const page = await incidents.list({ limit: 10 });
    expect(page.items).toHaveLength(1);
    const incident = page.items[0];
    expect(incident).toMatchObject({
      id: expect.stringMatching(/^inc-[0-9a-f]{24}$/),
      entityRef: 'component:default/catalog-api',
      ownerRef: 'group:default/team-catalog',
      category: 'bad-deploy',
      status: 'open',
      severity: 'high',
      cluster: 'prod',
      namespace: 'shop',
    });
    const work = (await incidents.getWork(incident.id))!;
    expect(work.threadState).toBe('awaiting-approval');
    const analysis = work.analysis as Record<string, any>;
    expect(analysis.hypotheses[0].category).toBe('bad-deploy');
    expect(analysis.plan[0]).toMatchObject({
      action: 'rollback-deployment',
      params: { revision: 6 },
    });
    expect(analysis.decision.decision).toBe('ask-human');
    const trace = await incidents.listTraces(incident.id);
    expect(trace.map(t => t.node)).toEqual([
      'detect',
      'rootCause',
      'enrich',
      'planFix',
      'checkPolicy',
    ]);
    expect(trace[1].output).toContain('bad-deploy');

    // The same signals again: nothing new, nothing re-run.
    clock.t += 15_000;
    await engine.evaluate('prod', group.signals, context);
    expect((await incidents.list({ limit: 10 })).items).toHaveLength(1);
    expect(await incidents.listTraces(incident.id)).toHaveLength(5);
  });

  it('leaves no incident, thread or trace for noise', async () => {
    const low = signal({
      detector: 'cpu-throttling',
      reason: 'CPUThrottlingHigh',
      workload: deployment('web'),
      severity: 'low',
      firstSeen: 100,
    });
    const { context } = badDeploy.build();
    const clock = { t: Date.parse(low.firstSeen) + 60_000 };
    const { engine, incidents } = engineOn(knex, clock);
    await engine.evaluate('prod', [low], { ...context, changes: [] });
    expect((await incidents.list({ limit: 10 })).items).toEqual([]);
    expect(await threadIds(knex)).toEqual([]);
    expect(
      Number((await knex('ai_sre_agent_traces').count({ n: '*' }))[0].n),
    ).toBe(0);
  });

  it('resolves when the signals are gone, and re-opens the same incident when they return', async () => {
    const { group, context } = badDeploy.build();
    const clock = { t: context.now };
    const { engine, incidents } = engineOn(knex, clock, {
      resolveAfterMs: 60_000,
    });
    await engine.evaluate('prod', group.signals, context);
    const [incident] = (await incidents.list({ limit: 10 })).items;

    clock.t += 30_000;
    await engine.evaluate('prod', [], context);
    expect((await incidents.get(incident.id))!.status).toBe('open');

    clock.t += 60_000;
    await engine.evaluate('prod', [], context);
    const resolved = (await incidents.get(incident.id))!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolvedAt).toBe(new Date(clock.t).toISOString());

    // The crash loop comes back ten minutes later: the same incident.
    clock.t += 10 * 60_000;
    await engine.evaluate('prod', group.signals, context);
    const items = (await incidents.list({ limit: 10 })).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: incident.id,
      status: 'open',
      resolvedAt: null,
    });
    expect((await incidents.getWork(incident.id))!.threadState).toBe(
      'awaiting-approval',
    );
  });

  it('follows a problem that grows: same incident, analysis redone', async () => {
    const { group, context } = badDeploy.build();
    const clock = { t: context.now };
    const { engine, incidents } = engineOn(knex, clock, {
      // Auto-executing nothing, so the thread finishes (monitor) and a
      // grown group is analysed again.
      policy: { ...defaultPolicyConfig(), killSwitch: { global: true } } as any,
    });
    await engine.evaluate('prod', group.signals, context);
    const [incident] = (await incidents.list({ limit: 10 })).items;
    expect((await incidents.getWork(incident.id))!.threadState).toBe('done');

    const more: Signal = {
      ...group.signals[0],
      id: 'sig-more',
      fingerprint: 'fp-more',
      object: { ...group.signals[0].object, name: 'catalog-api-other' },
    };
    clock.t += 15_000;
    await engine.evaluate('prod', [...group.signals, more], context);
    const items = (await incidents.list({ limit: 10 })).items;
    expect(items).toHaveLength(1);
    const work = (await incidents.getWork(incident.id))!;
    expect(work.fingerprints).toContain('fp-more');
    const nodes = (await incidents.listTraces(incident.id)).map(t => t.node);
    expect(nodes.filter(n => n === 'rootCause')).toHaveLength(2);
  });

  it('resumes a thread that crashed mid-workflow from its checkpoint, without re-running finished agents', async () => {
    const { group, context } = badDeploy.build();
    const clock = { t: context.now };
    // The first backend dies while recording the analysis (every retry).
    let calls = 0;
    const first = engineOn(knex, clock, {
      entityFacts: () => {
        calls++;
        if (calls > 1) throw new Error('backend killed');
        return { ownerRef: null, systemRef: null, lifecycle: null };
      },
    });
    await first.engine.evaluate('prod', group.signals, context);
    const [{ id }] = (await new IncidentStore(knex).list({ limit: 1 })).items;
    const crashed = (await first.incidents.getWork(id))!;
    expect(crashed.threadState).toBe('running');
    expect(crashed.incident.category).toBeNull();

    // A new backend process on the same database.
    const second = engineOn(knex, clock);
    expect(await second.engine.resume()).toBe(1);
    const resumed = (await second.incidents.getWork(id))!;
    expect(resumed.threadState).toBe('awaiting-approval');
    expect(resumed.incident.category).toBe('bad-deploy');
    const nodes = (await second.incidents.listTraces(id)).map(t => t.node);
    expect(nodes.filter(n => n === 'rootCause')).toHaveLength(1);
    expect(nodes.filter(n => n === 'checkPolicy')).toHaveLength(1);
    expect(second.executed).toEqual([]);
  });

  it('keeps an approval pending across a restart and executes once when it is answered', async () => {
    const { group, context } = badDeploy.build();
    const clock = { t: context.now };
    const first = engineOn(knex, clock);
    await first.engine.evaluate('prod', group.signals, context);
    const [{ id }] = (await new IncidentStore(knex).list({ limit: 1 })).items;

    const second = engineOn(knex, clock);
    expect(await second.engine.resume()).toBe(0);
    expect((await second.incidents.getWork(id))!.threadState).toBe(
      'awaiting-approval',
    );
    await second.engine.answer(id, {
      approved: true,
      by: 'user:default/owner',
    });
    expect(second.executed).toEqual([['rollback-deployment', 'notify-owner']]);
    const work = (await second.incidents.getWork(id))!;
    expect(work.threadState).toBe('done');
    expect(work.analysis).toMatchObject({
      approval: { approved: true, by: 'user:default/owner' },
      execution: { status: 'succeeded' },
    });
    // A second answer (a double click) is refused and executes nothing.
    await expect(
      second.engine.answer(id, { approved: true, by: 'user:default/owner' }),
    ).rejects.toThrow(/not waiting for an approval/);
    expect(second.executed).toHaveLength(1);
    expect(first.executed).toHaveLength(0);
  });
});

describe('the incident engine with a pending approval', () => {
  it('supersedes the pending plan when new evidence arrives, and executes the new one once', async () => {
    const knex = await databases.init('SQLITE_3');
    await IncidentStore.migrate(knex);
    const { group, context } = badDeploy.build();
    const clock = { t: context.now };
    const { engine, incidents, executed } = engineOn(knex, clock);
    await engine.evaluate('prod', group.signals, context);
    const [{ id }] = (await incidents.list({ limit: 1 })).items;
    expect((await incidents.getWork(id))!.threadState).toBe(
      'awaiting-approval',
    );

    const more: Signal = {
      ...group.signals[0],
      id: 'sig-more',
      fingerprint: 'fp-more',
      object: { ...group.signals[0].object, name: 'catalog-api-other' },
    };
    clock.t += 15_000;
    await engine.evaluate('prod', [...group.signals, more], context);
    const work = (await incidents.getWork(id))!;
    expect(work.threadState).toBe('awaiting-approval');
    expect(work.fingerprints).toContain('fp-more');
    const nodes = (await incidents.listTraces(id)).map(t => t.node);
    expect(nodes.filter(n => n === 'checkPolicy')).toHaveLength(2);

    // A signal resolving is not new evidence: nothing is re-run.
    clock.t += 15_000;
    await engine.evaluate('prod', [more], context);
    expect(await incidents.listTraces(id)).toHaveLength(nodes.length);

    await engine.answer(id, { approved: true, by: 'user:default/owner' });
    expect(executed).toEqual([['rollback-deployment', 'notify-owner']]);
  });
});

describe('the incident engine after execution and while waiting', () => {
  async function run(options: {
    verify: 'passed' | 'pending' | 'failed';
    approval?: { expiresAfterMs: number; escalateAfterMs?: number };
  }) {
    const knex = await databases.init('SQLITE_3');
    await IncidentStore.migrate(knex);
    const { group, context } = badDeploy.build();
    const clock = { t: context.now };
    const changes: Array<[string, string | undefined]> = [];
    const rolledBack: string[] = [];
    const { engine, incidents } = engineOn(knex, clock, {
      executor: {
        execute: async () => ({
          status: 'succeeded',
          details: 'applied',
          executionId: 'exec-1',
        }),
        verify: async () => ({
          state: options.verify,
          reason: `rollout ${options.verify}`,
        }),
        rollback: async id => {
          rolledBack.push(id);
          return { status: 'rolled-back', details: 'restored' };
        },
      },
      verifyWithinMs: 5 * 60_000,
      approval: options.approval,
      onIncidentChanged: (_id, change, detail) =>
        changes.push([change, detail]),
    });
    await engine.evaluate('prod', group.signals, context);
    const [{ id }] = (await incidents.list({ limit: 1 })).items;
    return {
      engine,
      incidents,
      id,
      clock,
      group,
      context,
      changes,
      rolledBack,
    };
  }

  it('marks a fix verified once its rollout finished and the symptoms are gone', async () => {
    const t = await run({ verify: 'passed' });
    await t.engine.answer(t.id, { approved: true, by: 'user:default/owner' });
    t.clock.t += 30_000;
    await t.engine.evaluate('prod', [], t.context);
    const analysis = (await t.incidents.getWork(t.id))!.analysis as any;
    expect(analysis.verification).toMatchObject({ status: 'passed' });
    expect(t.changes.map(c => c[0])).toContain('verified');
    expect(t.rolledBack).toEqual([]);
  });

  it('rolls back automatically when the rollout never finishes within the window', async () => {
    const t = await run({ verify: 'pending' });
    await t.engine.answer(t.id, { approved: true, by: 'user:default/owner' });
    t.clock.t += 60_000;
    await t.engine.evaluate('prod', [], t.context);
    expect(t.rolledBack).toEqual([]);
    t.clock.t += 5 * 60_000;
    await t.engine.evaluate('prod', [], t.context);
    expect(t.rolledBack).toEqual(['exec-1']);
    const analysis = (await t.incidents.getWork(t.id))!.analysis as any;
    expect(analysis.verification).toMatchObject({
      status: 'failed',
      rolledBack: true,
      reason: 'rollout pending',
    });
    expect(analysis.execution.status).toBe('rolled-back');
  });

  it('rolls back when the problem recurs after the fix, even if the rollout finished', async () => {
    const t = await run({ verify: 'passed' });
    await t.engine.answer(t.id, { approved: true, by: 'user:default/owner' });
    const recurred: Signal = {
      ...t.group.signals[0],
      firstSeen: new Date(t.clock.t + 60_000).toISOString(),
    };
    t.clock.t += 6 * 60_000;
    await t.engine.evaluate('prod', [recurred], t.context);
    expect(t.rolledBack).toEqual(['exec-1']);
    const failed = t.changes.find(c => c[0] === 'verification-failed');
    expect(failed?.[1]).toMatch(/recurred after the fix/);
  });

  it('escalates, then expires an unanswered approval without executing', async () => {
    const t = await run({
      verify: 'passed',
      approval: { expiresAfterMs: 60 * 60_000, escalateAfterMs: 30 * 60_000 },
    });
    t.clock.t += 31 * 60_000;
    await t.engine.evaluate('prod', t.group.signals, t.context);
    expect(t.changes.map(c => c[0])).toContain('escalated');
    expect((await t.incidents.getWork(t.id))!.threadState).toBe(
      'awaiting-approval',
    );
    t.clock.t += 30 * 60_000;
    await t.engine.evaluate('prod', t.group.signals, t.context);
    const work = (await t.incidents.getWork(t.id))!;
    expect(work.threadState).toBe('done');
    expect((work.analysis as any).approval).toMatchObject({
      approved: false,
      by: 'ai-sre:expiry',
    });
    expect((work.analysis as any).execution).toBeUndefined();
    expect(t.changes.map(c => c[0])).toContain('expired');
    await expect(
      t.engine.answer(t.id, { approved: true, by: 'user:default/late' }),
    ).rejects.toThrow(/not waiting/);
  });
});

describe('the incident engine when problems turn out to be one', () => {
  it('merges incidents a later group joins, keeping the oldest', async () => {
    const knex = await databases.init('SQLITE_3');
    await IncidentStore.migrate(knex);
    const { context } = badDeploy.build();
    const crash = (name: string) =>
      signal({
        detector: 'crash-loop',
        reason: 'CrashLoopBackOff',
        workload: deployment(name),
        firstSeen: 200,
        fields: { nodeName: 'node-7', container: name, restartCount: 3 },
      });
    const a = crash('api');
    const b = crash('worker');
    const clock = { t: Date.parse(a.firstSeen) + 60_000 };
    const { engine, incidents } = engineOn(knex, clock);
    const quiet = { ...context, now: clock.t, changes: [], dependencies: [] };
    await engine.evaluate('prod', [a], quiet);
    clock.t += 15_000;
    await engine.evaluate('prod', [b], quiet);
    expect((await incidents.list({ limit: 10 })).items).toHaveLength(2);

    // The node both ran on failed first: one problem.
    const node = signal({
      detector: 'node-not-ready',
      reason: 'NodeNotReady',
      object: { kind: 'Node', name: 'node-7' },
      firstSeen: 150,
      severity: 'critical',
      fields: {
        pods: [`shop/${a.object.name}`, `shop/${b.object.name}`],
        workloads: ['Deployment/shop/api', 'Deployment/shop/worker'],
      },
    });
    clock.t += 15_000;
    await engine.evaluate('prod', [a, b, node], { ...quiet, now: clock.t });
    const items = (await incidents.list({ limit: 10 })).items;
    const open = items.filter(i => i.status === 'open');
    const merged = items.filter(i => i.status === 'resolved');
    expect(open).toHaveLength(1);
    expect(merged).toHaveLength(1);
    expect(merged[0].summary).toMatch(`Merged into incident ${open[0].id}`);
    expect(open[0].category).toBe('node-failure');
    const work = (await incidents.getWork(open[0].id))!;
    expect(work.fingerprints).toEqual(
      expect.arrayContaining([a.fingerprint, b.fingerprint, node.fingerprint]),
    );
  });
});
