import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Sandbox } from '@internal/k8s-sandbox';
import { ExecutionStore } from '../store/ExecutionStore';
import { IncidentStore } from '../store/IncidentStore';
import { createTestDatabases } from '../__testUtils__/databases';
import { kubeConfigOf, startExample } from '../telemetry/__testUtils__/sandbox';
import type { ExtensionPlanStep } from './actions';
import { KubernetesClusterOps } from './ClusterOps';
import { KubernetesExecutor } from './KubernetesExecutor';
import { createRunbookAction, readRunbooks } from './runbooks';

const { databases } = createTestDatabases();
jest.setTimeout(120_000);

const container = (image: string) => ({
  name: 'main',
  image,
  command: ['/bin/rebuild', '--target-from-env'],
  env: [{ name: 'TARGET', value: 'default-target' }],
});

const RUNBOOKS = [
  {
    name: 'rebuild-sitemap',
    namespace: 'bookstore',
    description: 'Rebuilds the sitemap from the catalog',
    // The sandbox's sitemap-builder image completes 45 s after it starts.
    jobTemplate: {
      backoffLimit: 6,
      activeDeadlineSeconds: 99999,
      template: {
        metadata: { labels: { app: 'sitemap' } },
        spec: {
          containers: [
            container('ghcr.io/example-bookstore/sitemap-builder:0.3.1'),
          ],
        },
      },
    },
    activeDeadlineSeconds: 300,
    params: ['TARGET'],
  },
  {
    name: 'stuck',
    description: 'Never finishes (an image the sandbox runs forever)',
    jobTemplate: {
      template: { spec: { containers: [container('busybox:1.36')] } },
    },
    activeDeadlineSeconds: 60,
  },
];

const run = (params: ExtensionPlanStep['params']): ExtensionPlanStep => ({
  action: 'run-runbook-job',
  target: null,
  params,
  risk: 'medium',
  expectedEffect: 'the runbook ran',
  verification: 'the Job completed',
  inverse: 'delete the Job',
});

async function setup() {
  const knex = await databases.init('SQLITE_3');
  await IncidentStore.migrate(knex);
  const sandbox: Sandbox = await startExample('bookstore-healthy-rollout');
  const kubeConfig = kubeConfigOf(sandbox);
  const executions = new ExecutionStore(knex);
  const runbooks = readRunbooks(
    new ConfigReader({ aiSre: { runbooks: RUNBOOKS } }),
  );
  const executor = new KubernetesExecutor({
    executions,
    now: () => sandbox.clock.now(),
    logger: mockServices.logger.mock(),
    opsFor: cluster =>
      cluster === 'sandbox'
        ? new KubernetesClusterOps({
            kubeConfig,
            cluster,
            now: () => sandbox.clock.now(),
            changes: async () => [],
          })
        : undefined,
    actions: [
      createRunbookAction({
        runbooks,
        kubeConfigFor: cluster =>
          cluster === 'sandbox' ? kubeConfig : undefined,
      }),
    ],
  });
  const jobs = (namespace: string) =>
    (sandbox.cluster.store.list('jobs', {}).items as any[]).filter(
      j =>
        j.metadata.namespace === namespace &&
        j.metadata.labels?.['app.kubernetes.io/managed-by'] === 'ai-sre',
    );
  return { sandbox, executor, executions, jobs };
}

describe('runbook templates in config', () => {
  const read = (runbook: Record<string, unknown>) => () =>
    readRunbooks(
      new ConfigReader({
        aiSre: { runbooks: [{ ...RUNBOOKS[0], ...runbook }] },
      }),
    );

  it('are bounded and checked at startup', () => {
    expect(read({})()).toHaveLength(1);
    expect(readRunbooks(new ConfigReader({}))).toEqual([]);
    expect(read({ activeDeadlineSeconds: 7200 })).toThrow(
      /activeDeadlineSeconds must be an integer from 1 to 3600/,
    );
    expect(read({ activeDeadlineSeconds: undefined })).toThrow(
      /activeDeadlineSeconds/,
    );
    expect(read({ name: 'Not A Label' })).toThrow(/lowercase DNS label/);
    expect(read({ params: ['rm -rf'] })).toThrow(/environment variable name/);
    expect(read({ params: ['runbook'] })).toThrow(/environment variable name/);
    expect(read({ jobTemplate: { template: { spec: {} } } })).toThrow(
      /at least one container/,
    );
    expect(
      read({
        jobTemplate: {
          template: {
            spec: {
              containers: [
                {
                  name: 'main',
                  image: 'x',
                  command: ['sh', '-c', 'rebuild $(TARGET)'],
                },
              ],
            },
          },
        },
      }),
    ).toThrow(/uses parameter TARGET in its command or arguments/);
  });

  it('accept a whole Job manifest', () => {
    const [runbook] = read({
      jobTemplate: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { labels: { team: 'books' } },
        spec: RUNBOOKS[0].jobTemplate,
      },
    })();
    expect(runbook.jobTemplate).toMatchObject({
      labels: { team: 'books' },
      template: { metadata: { labels: { app: 'sitemap' } } },
    });
  });
});

describe('run-runbook-job on the sandbox', () => {
  it('creates a bounded, labelled Job with parameters as env, verifies its completion and deletes it on rollback', async () => {
    const { sandbox, executor, jobs } = await setup();
    try {
      await sandbox.advance(5_000);
      const step = run({
        runbook: 'rebuild-sitemap',
        TARGET: 'books; rm -rf /',
      });

      const dry = await executor.execute('inc-dry', [step], {
        cluster: 'sandbox',
        dryRun: true,
      });
      expect(dry.status).toBe('dry-run');
      expect(jobs('bookstore')).toEqual([]);

      const [preview] = await executor.preview([step], 'sandbox', 'inc-rb');
      expect(preview.status).toBe('dry-run');
      const name = preview.operations[0].object.name;
      expect(name).toMatch(/^ai-sre-runbook-rebuild-sitemap-[0-9a-f]{8}$/);
      expect(preview.operations[0].diff).toEqual([
        { path: 'job', before: null, after: `bookstore/${name}` },
        { path: 'spec.activeDeadlineSeconds', before: null, after: 300 },
        { path: 'spec.backoffLimit', before: null, after: 1 },
        {
          path: 'spec.template.spec.containers[main].image',
          before: null,
          after: 'ghcr.io/example-bookstore/sitemap-builder:0.3.1',
        },
        { path: 'env.TARGET', before: null, after: 'books; rm -rf /' },
      ]);

      const result = await executor.execute('inc-rb', [step], {
        cluster: 'sandbox',
        dryRun: false,
      });
      expect(result).toMatchObject({ status: 'succeeded' });
      const [job] = jobs('bookstore');
      expect(job.metadata.name).toBe(name);
      expect(job.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'ai-sre',
        'ai-sre.io/incident': 'inc-rb',
        'ai-sre.io/runbook': 'rebuild-sitemap',
      });
      expect(job.spec.activeDeadlineSeconds).toBe(300);
      expect(job.spec.backoffLimit).toBe(1);
      const pod = job.spec.template;
      expect(pod.metadata.labels).toMatchObject({
        app: 'sitemap',
        'ai-sre.io/incident': 'inc-rb',
      });
      expect(pod.spec.restartPolicy).toBe('Never');
      // The value is an env value only: the command is the template's.
      expect(pod.spec.containers[0].command).toEqual([
        '/bin/rebuild',
        '--target-from-env',
      ]);
      expect(pod.spec.containers[0].env).toEqual([
        { name: 'TARGET', value: 'books; rm -rf /' },
      ]);

      expect(await executor.verify(result.executionId!)).toMatchObject({
        state: 'pending',
        reason: expect.stringMatching(
          new RegExp(`run-runbook-job: Job bookstore/${name}: `),
        ),
      });
      await sandbox.advance(90_000);
      expect(await executor.verify(result.executionId!)).toEqual({
        state: 'passed',
        reason: `every rollout finished with all replicas available; run-runbook-job: Job bookstore/${name} completed (1 succeeded)`,
      });

      // The same step for the same incident does not run twice.
      const again = await executor.execute(
        'inc-rb',
        [step, run({ runbook: 'stuck', namespace: 'bookstore' })],
        { cluster: 'sandbox', dryRun: false },
      );
      expect(again.status).toBe('failed');
      expect(again.details).toMatch(/AlreadyExists|already exists/);

      const rolledBack = await executor.rollback(result.executionId!);
      expect(rolledBack.steps[0].operations[0].status).toBe('reverted');
      await sandbox.advance(5_000);
      expect(jobs('bookstore')).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });

  it('stops a Job at its deadline and reports the failure', async () => {
    const { sandbox, executor } = await setup();
    try {
      const result = await executor.execute(
        'inc-stuck',
        [run({ runbook: 'stuck', namespace: 'bookstore' })],
        { cluster: 'sandbox', dryRun: false },
      );
      expect(result.status).toBe('succeeded');
      await sandbox.advance(30_000);
      expect((await executor.verify(result.executionId!)).state).toBe(
        'pending',
      );
      await sandbox.advance(60_000);
      expect(await executor.verify(result.executionId!)).toMatchObject({
        state: 'failed',
        reason: expect.stringMatching(/failed: DeadlineExceeded/),
      });
    } finally {
      await sandbox.stop();
    }
  });

  it('refuses unknown runbooks, parameters the template does not allow, and other namespaces', async () => {
    const { sandbox, executor, jobs } = await setup();
    try {
      const steps = [
        run({ runbook: 'format-disks' }),
        run({ runbook: 'rebuild-sitemap', COMMAND: 'sh' }),
        run({ runbook: 'rebuild-sitemap', namespace: 'kube-system' }),
        run({ runbook: 'stuck' }),
      ];
      const previews = await executor.preview(steps, 'sandbox');
      expect(previews.map(p => p.error)).toEqual([
        'run-runbook-job: runbook must be one of rebuild-sitemap, stuck, got "format-disks"',
        'run-runbook-job: runbook rebuild-sitemap takes TARGET, not COMMAND',
        'run-runbook-job: runbook rebuild-sitemap runs in bookstore only',
        'run-runbook-job: runbook stuck has no namespace: the step needs a namespace parameter',
      ]);
      expect(jobs('bookstore')).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });
});
