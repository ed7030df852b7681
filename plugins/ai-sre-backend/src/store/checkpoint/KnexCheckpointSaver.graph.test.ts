import {
  Annotation,
  Command,
  END,
  START,
  StateGraph,
  interrupt,
} from '@langchain/langgraph';
import { createTestDatabases } from '../../__testUtils__/databases';
import { IncidentStore } from '../IncidentStore';
import { KnexCheckpointSaver } from './KnexCheckpointSaver';

const { databases, ids } = createTestDatabases();

jest.setTimeout(60_000);

const State = Annotation.Root({
  incidentId: Annotation<string>,
  evidence: Annotation<string[]>({
    reducer: (a, b) => [...a, ...b],
    default: () => [],
  }),
  decision: Annotation<string | undefined>,
  outcome: Annotation<string | undefined>,
});

/** A small incident graph: gather evidence, ask a human, act. */
function buildGraph(saver: KnexCheckpointSaver, calls: Record<string, number>) {
  const count = (node: string) => {
    calls[node] = (calls[node] ?? 0) + 1;
  };
  return new StateGraph(State)
    .addNode('gather', state => {
      count('gather');
      return { evidence: [`pods of ${state.incidentId} crash-looping`] };
    })
    .addNode('approve', () => {
      count('approve');
      const decision = interrupt<{ question: string }, string>({
        question: 'Roll back the deployment?',
      });
      count('approve:resumed');
      return { decision };
    })
    .addNode('act', state => {
      count('act');
      return { outcome: `rollback ${state.decision}` };
    })
    .addEdge(START, 'gather')
    .addEdge('gather', 'approve')
    .addEdge('approve', 'act')
    .addEdge('act', END)
    .compile({ checkpointer: saver });
}

describe.each(ids.map(id => [id]))(
  'KnexCheckpointSaver with a StateGraph on %s',
  databaseId => {
    it('resumes an interrupted thread after a restart', async () => {
      const knex = await databases.init(databaseId);
      await IncidentStore.migrate(knex);
      const config = { configurable: { thread_id: 'inc-1' } };

      // First backend process: runs until the approval interrupt.
      const calls1: Record<string, number> = {};
      const graph1 = buildGraph(new KnexCheckpointSaver(knex), calls1);
      // Typed loosely: the invoke result type does not declare `__interrupt__`.
      const first: Record<string, unknown> = await graph1.invoke(
        { incidentId: 'inc-1' },
        config,
      );
      expect(first.__interrupt__).toEqual([
        expect.objectContaining({
          value: { question: 'Roll back the deployment?' },
        }),
      ]);
      expect(first.outcome).toBeUndefined();
      expect(calls1).toEqual({ gather: 1, approve: 1 });

      // Second backend process: a new saver on the same database.
      const calls2: Record<string, number> = {};
      const graph2 = buildGraph(new KnexCheckpointSaver(knex), calls2);
      const pending = await graph2.getState(config);
      expect(pending.next).toEqual(['approve']);
      expect(pending.values.evidence).toEqual(['pods of inc-1 crash-looping']);
      expect(pending.tasks[0].interrupts).toEqual([
        expect.objectContaining({
          value: { question: 'Roll back the deployment?' },
        }),
      ]);

      const resumed = await graph2.invoke(
        new Command({ resume: 'approved' }),
        config,
      );
      expect(resumed).toEqual({
        incidentId: 'inc-1',
        evidence: ['pods of inc-1 crash-looping'],
        decision: 'approved',
        outcome: 'rollback approved',
      });
      // The node before the interrupt did not run again; the interrupted
      // node re-ran from its start, as LangGraph does, and went on.
      expect(calls2).toEqual({ approve: 1, 'approve:resumed': 1, act: 1 });

      const done = await graph2.getState(config);
      expect(done.next).toEqual([]);

      // The history is the thread's, newest first, and survives a restart.
      const history = [];
      for await (const snapshot of graph2.getStateHistory(config)) {
        history.push(snapshot);
      }
      expect(history.length).toBeGreaterThanOrEqual(4);
      expect(history[0].values.outcome).toBe('rollback approved');

      // Deleting the thread forgets it.
      await new KnexCheckpointSaver(knex).deleteThread('inc-1');
      expect((await graph2.getState(config)).values).toEqual({});
    });

    it('keeps the branches of a forked thread apart', async () => {
      const knex = await databases.init(databaseId);
      await IncidentStore.migrate(knex);
      const saver = new KnexCheckpointSaver(knex);
      const config = { configurable: { thread_id: 'inc-2' } };
      const graph = buildGraph(saver, {});

      await graph.invoke({ incidentId: 'inc-2' }, config);
      const atApproval = await graph.getState(config);
      await graph.invoke(new Command({ resume: 'approved' }), config);

      // Fork from the approval checkpoint and decide differently, as the
      // approving node: both branches then write the same channels at the
      // same step.
      const fork = await graph.updateState(
        atApproval.config,
        { decision: 'rejected' },
        'approve',
      );
      await graph.invoke(null, fork);
      const latest = await graph.getState(config);
      expect(latest.values.outcome).toBe('rollback rejected');

      const outcomes = [];
      for await (const snapshot of graph.getStateHistory(config)) {
        if (snapshot.next.length === 0) {
          outcomes.push(snapshot.values.outcome);
        }
      }
      expect(outcomes.sort()).toEqual([
        'rollback approved',
        'rollback rejected',
      ]);
    });
  },
);
