import { Command } from '@langchain/langgraph';
import { defaultPolicyConfig, readPolicyConfig } from '../policy';
import { IncidentStore } from '../store/IncidentStore';
import { KnexCheckpointSaver } from '../store/checkpoint';
import { createTestDatabases } from '../__testUtils__/databases';
import { CASES } from './rules/cases';
import {
  buildIncidentWorkflow,
  Executor,
  threadConfig,
  TraceEntry,
  WorkflowDependencies,
} from './workflow';

const { databases, ids } = createTestDatabases();
jest.setTimeout(60_000);

const badDeploy = CASES.find(c => c.category === 'bad-deploy')!;

function deps(overrides: Partial<WorkflowDependencies> = {}) {
  const traces: TraceEntry[] = [];
  const executed: string[][] = [];
  const executor: Executor = {
    execute: async (_id, plan) => {
      executed.push(plan.map(step => step.action));
      return { status: 'succeeded', details: 'ok' };
    },
  };
  const dependencies: WorkflowDependencies = {
    policy: defaultPolicyConfig(),
    now: () => Date.parse('2025-03-04T00:05:00Z'),
    executor,
    trace: (_id, entry) => traces.push(entry),
    ...overrides,
  };
  return { dependencies, traces, executed };
}

describe.each(ids.map(id => [id]))(
  'the incident workflow on %s',
  databaseId => {
    it('asks a human, survives a restart while waiting, and executes once after approval', async () => {
      const knex = await databases.init(databaseId);
      await IncidentStore.migrate(knex);
      const { group, context } = badDeploy.build();

      const first = deps();
      const workflow = buildIncidentWorkflow(
        first.dependencies,
        new KnexCheckpointSaver(knex),
      );
      const paused: Record<string, any> = await workflow.invoke(
        { incidentId: 'inc-1', group, context },
        threadConfig('inc-1'),
      );
      expect(paused.__interrupt__).toHaveLength(1);
      expect(paused.hypotheses[0]).toMatchObject({ category: 'bad-deploy' });
      expect(paused.plan[0]).toMatchObject({
        action: 'rollback-deployment',
        params: { revision: 6 },
      });
      expect(paused.decision.decision).toBe('ask-human');
      expect(paused.decision.reasons.join(' ')).toMatch(/autoExecute/);
      expect(first.traces.map(t => t.node)).toEqual([
        'detect',
        'rootCause',
        'enrich',
        'planFix',
        'checkPolicy',
      ]);
      expect(first.executed).toEqual([]);

      // A new backend process with a new saver on the same database.
      const second = deps();
      const restarted = buildIncidentWorkflow(
        second.dependencies,
        new KnexCheckpointSaver(knex),
      );
      const done: Record<string, any> = await restarted.invoke(
        new Command({ resume: { approved: true, by: 'user:default/guest' } }),
        threadConfig('inc-1'),
      );
      expect(done.approval).toEqual({
        approved: true,
        by: 'user:default/guest',
      });
      expect(done.execution).toEqual({ status: 'succeeded', details: 'ok' });
      expect(second.executed).toEqual([
        ['rollback-deployment', 'notify-owner'],
      ]);
      // Nothing before the interrupt ran again.
      expect(second.traces.map(t => t.node)).toEqual(['execute']);
    });

    it('stops at a rejection without executing', async () => {
      const knex = await databases.init(databaseId);
      await IncidentStore.migrate(knex);
      const { group, context } = badDeploy.build();
      const run = deps();
      const workflow = buildIncidentWorkflow(
        run.dependencies,
        new KnexCheckpointSaver(knex),
      );
      await workflow.invoke(
        { incidentId: 'inc-2', group, context },
        threadConfig('inc-2'),
      );
      const done: Record<string, any> = await workflow.invoke(
        new Command({
          resume: {
            approved: false,
            by: 'user:default/bob',
            comment: 'not now',
          },
        }),
        threadConfig('inc-2'),
      );
      expect(done.execution).toBeUndefined();
      expect(run.executed).toEqual([]);
    });
  },
);

describe('the incident workflow decisions', () => {
  async function run(
    overrides: Partial<WorkflowDependencies>,
    build = badDeploy.build,
  ) {
    const knex = await databases.init('SQLITE_3');
    await IncidentStore.migrate(knex);
    const { group, context } = build();
    const d = deps(overrides);
    const workflow = buildIncidentWorkflow(
      d.dependencies,
      new KnexCheckpointSaver(knex),
    );
    const state: Record<string, any> = await workflow.invoke(
      { incidentId: 'inc', group, context },
      threadConfig('inc'),
    );
    return { state, ...d };
  }

  it('auto-executes only when the adopter enabled it and policy allows', async () => {
    // The rollout signal tells how many replicas a rollback restarts, so the
    // blast radius can be confirmed.
    const withReplicas = () => {
      const built = badDeploy.build();
      const crash = built.group.signals[0];
      built.group.signals.push({
        ...crash,
        id: 'rollout',
        fingerprint: 'rollout',
        detector: 'rollout-stuck',
        object: crash.workload,
        evidence: { ...crash.evidence, fields: { replicas: 2 } },
      });
      return built;
    };
    const { state, executed } = await run(
      {
        policy: readPolicyConfig({
          autoExecute: {
            enabled: true,
            minConfidence: 0.3,
            actions: ['rollback-deployment', 'notify-owner'],
          },
          requireApproval: {
            lifecycles: [],
            kinds: [],
            unknownEntity: false,
            risks: [],
          },
        }),
      },
      withReplicas,
    );
    expect(state.decision.decision).toBe('auto-execute');
    expect(executed).toEqual([['rollback-deployment', 'notify-owner']]);
  });

  it('executes nothing while the kill-switch is on', async () => {
    const { state, executed } = await run({
      policy: readPolicyConfig({
        autoExecute: {
          enabled: true,
          minConfidence: 0.3,
          actions: ['rollback-deployment', 'notify-owner'],
        },
        killSwitch: { global: true },
      }),
    });
    expect(state.decision.decision).toBe('monitor');
    expect(state.decision.reasons.join(' ')).toMatch(/kill-switch/i);
    expect(executed).toEqual([]);
  });

  it('records suppressed groups without an incident', async () => {
    const { state, traces } = await run({
      policy: readPolicyConfig({
        suppressions: [{ namespace: 'shop', reason: 'load test in progress' }],
      }),
    });
    expect(state.outcome).toBe('suppressed');
    expect(state.reason).toMatch(/load test/);
    expect(traces.map(t => t.node)).toEqual(['detect']);
  });
});
