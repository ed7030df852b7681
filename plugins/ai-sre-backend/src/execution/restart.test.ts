/**
 * A backend that dies after the execution layer changed the cluster but
 * before the workflow checkpointed it: the next backend resumes the thread,
 * the execute node runs again, and the plan's claim in the database makes
 * sure nothing is applied twice.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { defaultPolicyConfig } from '../policy';
import { IncidentEngine } from '../reasoning/IncidentEngine';
import { CASES } from '../reasoning/rules/cases';
import { KnexCheckpointSaver } from '../store/checkpoint';
import { ExecutionStore } from '../store/ExecutionStore';
import { IncidentStore } from '../store/IncidentStore';
import { createTestDatabases } from '../__testUtils__/databases';
import type { ClusterOps } from './ClusterOps';
import { KubernetesExecutor } from './KubernetesExecutor';

const { databases, ids } = createTestDatabases();
jest.setTimeout(60_000);

/** A cluster that records what was written to it. */
function recordingCluster() {
  const patches: Array<{ name: string; dryRun: boolean }> = [];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'catalog-api', namespace: 'shop', uid: 'u1' },
    spec: {
      template: {
        spec: { containers: [{ name: 'catalog-api', image: 'x:2.5.0' }] },
      },
    },
  };
  const replicaSet = (revision: number, image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `catalog-api-${revision}`,
      namespace: 'shop',
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ uid: 'u1', kind: 'Deployment', name: 'catalog-api' }],
    },
    spec: {
      template: { spec: { containers: [{ name: 'catalog-api', image }] } },
    },
  });
  const ops: ClusterOps = {
    now: () => 0,
    read: async () => structuredClone(deployment) as any,
    list: async () =>
      [replicaSet(6, 'x:2.4.1'), replicaSet(7, 'x:2.5.0')] as any,
    patch: async (object, _patch, _strategy, dryRun) => {
      patches.push({ name: object.name, dryRun });
      return structuredClone(deployment) as any;
    },
    replace: async object => object,
    evict: async () => {},
    delete: async () => {},
    lastVersionBefore: async () => undefined,
  };
  return { ops, applied: () => patches.filter(p => !p.dryRun).length };
}

describe.each(ids.map(id => [id]))(
  'a restart between approval and execution on %s',
  databaseId => {
    it('executes exactly once', async () => {
      const knex: Knex = await databases.init(databaseId);
      await IncidentStore.migrate(knex);
      const cluster = recordingCluster();
      const executor = new KubernetesExecutor({
        executions: new ExecutionStore(knex),
        opsFor: () => cluster.ops,
        now: () => 0,
        logger: mockServices.logger.mock(),
      });
      const badDeploy = CASES.find(c => c.category === 'bad-deploy')!;
      const { group, context } = badDeploy.build();
      const engine = (dies: boolean) =>
        new IncidentEngine({
          incidents: new IncidentStore(knex),
          checkpointer: new KnexCheckpointSaver(knex),
          policy: defaultPolicyConfig(),
          clock: { now: () => context.now },
          logger: mockServices.logger.mock(),
          executor: {
            execute: async (...args) => {
              const result = await executor.execute(...args);
              if (dies) throw new Error('backend killed after executing');
              return result;
            },
          },
        });

      const first = engine(true);
      await first.evaluate('prod', group.signals, context);
      const [{ id }] = (await new IncidentStore(knex).list({ limit: 1 })).items;
      await expect(
        first.answer(id, { approved: true, by: 'user:default/owner' }),
      ).rejects.toThrow(/backend killed/);
      expect(cluster.applied()).toBe(1);

      const second = engine(false);
      expect(await second.resume()).toBe(1);
      expect(cluster.applied()).toBe(1);
      const work = (await new IncidentStore(knex).getWork(id))!;
      expect(work.threadState).toBe('done');
      expect((work.analysis as any).execution.details).toMatch(
        /already executed/,
      );
      expect(await new ExecutionStore(knex).listForIncident(id)).toHaveLength(
        1,
      );
    });
  },
);
