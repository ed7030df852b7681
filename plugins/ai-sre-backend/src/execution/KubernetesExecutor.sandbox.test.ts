import { mockServices } from '@backstage/backend-test-utils';
import type { Change, PlanStep } from '@internal/plugin-ai-sre-common';
import type { Sandbox } from '@internal/k8s-sandbox';
import { ExecutionStore } from '../store/ExecutionStore';
import { IncidentStore } from '../store/IncidentStore';
import { createTestDatabases } from '../__testUtils__/databases';
import { kubeConfigOf, startExample } from '../telemetry/__testUtils__/sandbox';
import { KubernetesClusterOps } from './ClusterOps';
import { KubernetesExecutor } from './KubernetesExecutor';

const { databases } = createTestDatabases();
jest.setTimeout(120_000);

const rollback = (revision?: number): PlanStep => ({
  action: 'rollback-deployment',
  target: { kind: 'Deployment', namespace: 'bookstore', name: 'catalog-api' },
  params: revision === undefined ? {} : { revision },
  risk: 'medium',
  expectedEffect: 'catalog-api returns to its previous revision',
  verification: 'replicas Ready',
  inverse: 'roll forward',
});

const notify: PlanStep = {
  action: 'notify-owner',
  target: null,
  params: { message: 'rolled back' },
  risk: 'low',
  expectedEffect: 'the owner knows',
  verification: '-',
  inverse: '-',
};

async function setup(example: string, changes: Change[] = []) {
  const knex = await databases.init('SQLITE_3');
  await IncidentStore.migrate(knex);
  const sandbox = await startExample(example);
  const executions = new ExecutionStore(knex);
  let killed: string | undefined;
  const executor = new KubernetesExecutor({
    executions,
    now: () => sandbox.clock.now(),
    logger: mockServices.logger.mock(),
    opsFor: cluster =>
      cluster === 'sandbox'
        ? new KubernetesClusterOps({
            kubeConfig: kubeConfigOf(sandbox),
            cluster,
            now: () => sandbox.clock.now(),
            changes: async (_cluster, ref) =>
              changes.filter(
                c =>
                  `${c.object.kind}/${c.object.namespace}/${c.object.name}` ===
                  ref,
              ),
          })
        : undefined,
    killSwitch: async () => killed,
  });
  return {
    sandbox,
    executor,
    executions,
    kill: (reason?: string) => {
      killed = reason;
    },
  };
}

const image = (sandbox: Sandbox) =>
  (sandbox.cluster.store.get('deployments', 'bookstore', 'catalog-api') as any)
    .spec.template.spec.containers[0].image;

describe('KubernetesExecutor on the sandbox', () => {
  it('rolls a bad deploy back after a dry-run, exactly once, and can roll the rollback back', async () => {
    const { sandbox, executor, executions } = await setup(
      'bookstore-crashloop-after-deploy',
    );
    try {
      await sandbox.advance(120_000);
      expect(image(sandbox)).toMatch(/2\.5\.0$/);

      const preview = await executor.preview([rollback(1)], 'sandbox');
      expect(preview[0].error).toBeUndefined();
      expect(preview[0].status).toBe('dry-run');
      expect(preview[0].operations[0].diff).toContainEqual({
        path: 'spec.template.spec.containers[catalog-api].image',
        before: expect.stringMatching(/2\.5\.0$/),
        after: expect.stringMatching(/2\.4\.\d$/),
      });
      // The dry-run changed nothing.
      expect(image(sandbox)).toMatch(/2\.5\.0$/);

      const result = await executor.execute('inc-1', [rollback(1), notify], {
        cluster: 'sandbox',
        dryRun: false,
        requestedBy: 'user:default/owner',
      });
      expect(result).toMatchObject({ status: 'succeeded' });
      expect(image(sandbox)).toMatch(/2\.4\.\d$/);
      const record = (await executions.get(result.executionId!))!;
      expect(record.requestedBy).toBe('user:default/owner');
      expect(record.steps.map(s => [s.action, s.status])).toEqual([
        ['rollback-deployment', 'applied'],
        ['notify-owner', 'noted'],
      ]);
      expect(record.steps[0].operations[0].snapshot).toBeDefined();

      // A second request for the same plan (a double click, another
      // replica, a restart) executes nothing.
      const again = await executor.execute('inc-1', [rollback(1), notify], {
        cluster: 'sandbox',
        dryRun: false,
      });
      expect(again.details).toMatch(/already executed/);
      expect(again.executionId).toBe(result.executionId);
      expect(await executions.listForIncident('inc-1')).toHaveLength(1);

      // Rolling the execution back restores the snapshot.
      const rolledBack = await executor.rollback(result.executionId!);
      expect(rolledBack.status).toBe('rolled-back');
      expect(image(sandbox)).toMatch(/2\.5\.0$/);
    } finally {
      await sandbox.stop();
    }
  });

  it('rolls a fix out as a canary and gives the Deployment its strategy back once verified', async () => {
    const { sandbox, executor } = await setup('bookstore-oom-low-memory-limit');
    try {
      await sandbox.advance(10_000);
      const store = sandbox.cluster.store;
      const target = (store.list('deployments', {}).items as any[]).find(d =>
        d.spec.template.spec.containers.some(
          (c: any) => c.resources?.limits?.memory,
        ),
      );
      const name = target.metadata.name;
      const namespace = target.metadata.namespace;
      const container = target.spec.template.spec.containers[0].name;
      const original = structuredClone(target.spec.strategy ?? null);
      const deployment = () => store.get('deployments', namespace, name) as any;
      const result = await executor.execute(
        'inc-canary',
        [
          {
            action: 'set-resources',
            target: { kind: 'Deployment', namespace, name },
            params: { container, memoryLimit: '1Gi' },
            risk: 'medium',
            expectedEffect: 'no more OOM kills',
            verification: '-',
            inverse: '-',
          },
        ],
        { cluster: 'sandbox', dryRun: false },
      );
      expect(result.status).toBe('succeeded');
      expect(deployment().spec).toMatchObject({
        minReadySeconds: 30,
        strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      });
      // One new pod first; the rest follow once it has been Ready 30 s.
      const newPods = () =>
        (store.list('pods', { namespace }).items as any[]).filter(
          p =>
            !p.metadata.deletionTimestamp &&
            p.spec.containers.some(
              (c: any) => c.resources?.limits?.memory === '1Gi',
            ),
        ).length;
      for (let t = 0; t < 20; t += 5) {
        await sandbox.advance(5_000);
        expect(newPods()).toBeLessThanOrEqual(1);
      }
      expect((await executor.verify(result.executionId!)).state).toBe(
        'pending',
      );
      for (let i = 0; i < 30; i++) await sandbox.advance(10_000);
      expect(newPods()).toBe(deployment().spec.replicas);
      expect((await executor.verify(result.executionId!)).state).toBe('passed');
      expect(deployment().spec.minReadySeconds ?? 0).toBe(0);
      expect(deployment().spec.strategy ?? null).toEqual(original);
    } finally {
      await sandbox.stop();
    }
  });

  it('restores the whole pod template on rollback, removing what the bad revision added', async () => {
    const { sandbox, executor } = await setup('bookstore-missing-secret');
    try {
      await sandbox.advance(150_000);
      const env = () =>
        (
          sandbox.cluster.store.get(
            'deployments',
            'bookstore',
            'payments',
          ) as any
        ).spec.template.spec.containers[0].env.map((e: any) => e.name);
      expect(env()).toContain('PROCESSOR_TOKEN');
      const result = await executor.execute(
        'inc-secret',
        [
          {
            ...rollback(1),
            target: {
              kind: 'Deployment',
              namespace: 'bookstore',
              name: 'payments',
            },
          },
        ],
        { cluster: 'sandbox', dryRun: false },
      );
      expect(result.status).toBe('succeeded');
      expect(env()).not.toContain('PROCESSOR_TOKEN');
    } finally {
      await sandbox.stop();
    }
  });

  it('changes nothing in dry-run mode, under the kill-switch, or with bad parameters', async () => {
    const { sandbox, executor, kill } = await setup(
      'bookstore-crashloop-after-deploy',
    );
    try {
      await sandbox.advance(120_000);
      const dry = await executor.execute('inc-dry', [rollback(1)], {
        cluster: 'sandbox',
        dryRun: true,
      });
      expect(dry.status).toBe('dry-run');
      expect(image(sandbox)).toMatch(/2\.5\.0$/);

      const missing = await executor.execute('inc-bad', [rollback(42)], {
        cluster: 'sandbox',
        dryRun: false,
      });
      expect(missing.status).toBe('failed');
      expect(missing.details).toMatch(/no revision 42/);

      kill('The global kill-switch is on');
      const refused = await executor.execute('inc-killed', [rollback(1)], {
        cluster: 'sandbox',
        dryRun: false,
      });
      expect(refused).toEqual({
        status: 'refused',
        details: 'The global kill-switch is on',
      });
      expect(image(sandbox)).toMatch(/2\.5\.0$/);

      kill(undefined);
      const unknown = await executor.execute('inc-x', [rollback(1)], {
        cluster: 'elsewhere',
        dryRun: false,
      });
      expect(unknown.status).toBe('refused');
    } finally {
      await sandbox.stop();
    }
  });

  it('refuses to patch a workload Argo CD manages, naming its Application', async () => {
    const { sandbox, executor } = await setup(
      'bookstore-crashloop-after-deploy',
    );
    try {
      await sandbox.advance(120_000);
      const store = sandbox.cluster.store;
      const deployment = store.get(
        'deployments',
        'bookstore',
        'catalog-api',
      ) as any;
      store.update({
        ...deployment,
        metadata: {
          ...deployment.metadata,
          annotations: {
            ...deployment.metadata.annotations,
            'argocd.argoproj.io/tracking-id':
              'bookstore-catalog:apps/Deployment:bookstore/catalog-api',
          },
        },
      });
      const result = await executor.execute('inc-gitops', [rollback(1)], {
        cluster: 'sandbox',
        dryRun: false,
      });
      expect(result.status).toBe('failed');
      expect(result.details).toMatch(
        /managed by Argo CD .* change Argo CD Application bookstore-catalog instead/,
      );
      expect(image(sandbox)).toMatch(/2\.5\.0$/);
    } finally {
      await sandbox.stop();
    }
  });

  it('drains a failed node: cordons it and evicts its pods', async () => {
    const { sandbox, executor } = await setup('bookstore-node-not-ready');
    try {
      await sandbox.advance(30_000);
      const podsOn = (node: string) =>
        sandbox.cluster.store
          .list('pods', {})
          .items.filter((p: any) => p.spec?.nodeName === node);
      expect(podsOn('node-b').length).toBeGreaterThan(0);
      const result = await executor.execute(
        'inc-node',
        [
          {
            action: 'drain-node',
            target: { kind: 'Node', name: 'node-b' },
            params: { node: 'node-b' },
            risk: 'medium',
            expectedEffect: 'pods move',
            verification: '-',
            inverse: 'uncordon',
          },
        ],
        { cluster: 'sandbox', dryRun: false },
      );
      expect(result.status).toBe('succeeded');
      expect(
        (sandbox.cluster.store.get('nodes', undefined, 'node-b') as any).spec
          .unschedulable,
      ).toBe(true);
      await sandbox.advance(10_000);
      expect(
        podsOn('node-b').filter(
          (p: any) =>
            !(p.metadata.ownerReferences ?? []).some(
              (o: any) => o.kind === 'DaemonSet',
            ) && !p.metadata.deletionTimestamp,
        ),
      ).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });

  it('raises a memory limit with a strategic merge patch on the named container', async () => {
    const { sandbox, executor } = await setup('bookstore-oom-low-memory-limit');
    try {
      await sandbox.advance(10_000);
      const deployments = sandbox.cluster.store.list('deployments', {})
        .items as any[];
      const target = deployments.find(d =>
        d.spec.template.spec.containers.some(
          (c: any) => c.resources?.limits?.memory,
        ),
      );
      const container = target.spec.template.spec.containers.find(
        (c: any) => c.resources?.limits?.memory,
      );
      const result = await executor.execute(
        'inc-oom',
        [
          {
            action: 'set-resources',
            target: {
              kind: 'Deployment',
              namespace: target.metadata.namespace,
              name: target.metadata.name,
            },
            params: { container: container.name, memoryLimit: '1Gi' },
            risk: 'medium',
            expectedEffect: 'no more OOM kills',
            verification: '-',
            inverse: '-',
          },
        ],
        { cluster: 'sandbox', dryRun: false },
      );
      expect(result.status).toBe('succeeded');
      const after = sandbox.cluster.store.get(
        'deployments',
        target.metadata.namespace,
        target.metadata.name,
      ) as any;
      const patched = after.spec.template.spec.containers.find(
        (c: any) => c.name === container.name,
      );
      expect(patched.resources.limits.memory).toBe('1Gi');
      // Other fields of the container are kept.
      expect(patched.image).toBe(container.image);
    } finally {
      await sandbox.stop();
    }
  });
});
