import { mockServices } from '@backstage/backend-test-utils';
import type { Sandbox } from '@internal/k8s-sandbox';
import type {
  AiSreActionContext,
  AiSreHelmReleases,
} from '@internal/plugin-ai-sre-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { gzipSync } from 'node:zlib';
import { ExecutionStore } from '../store/ExecutionStore';
import { IncidentStore } from '../store/IncidentStore';
import { createTestDatabases } from '../__testUtils__/databases';
import { kubeConfigOf, startExample } from '../telemetry/__testUtils__/sandbox';
import type { ExtensionPlanStep } from './actions';
import { KubernetesClusterOps } from './ClusterOps';
import {
  createHelmRollbackAction,
  decodeHelmRelease,
  HelmSecretsHistory,
} from './helm';
import { KubernetesExecutor } from './KubernetesExecutor';
import { kubeJsonRequest } from './ClusterOps';

const { databases } = createTestDatabases();
jest.setTimeout(120_000);

/**
 * A Helm storage Secret as Helm 3 writes it: the release JSON, gzipped and
 * base64-encoded by Helm, in the `release` key (base64 again in `data`).
 */
function helmSecret(
  release: string,
  revision: number,
  status: string,
  chartVersion: string,
  appVersion: string,
) {
  const json = {
    name: release,
    namespace: 'bookstore',
    version: revision,
    info: {
      first_deployed: '2025-03-01T00:00:00Z',
      last_deployed: `2025-03-0${revision}T00:00:00Z`,
      status,
      description: revision === 1 ? 'Install complete' : 'Upgrade complete',
    },
    chart: {
      metadata: {
        name: 'catalog-api',
        version: chartVersion,
        appVersion,
        apiVersion: 'v2',
      },
      templates: [{ name: 'templates/deployment.yaml', data: 'a2luZDog' }],
      values: { image: { tag: appVersion } },
    },
    config: { replicas: 2, db: { password: 'not-for-the-plan' } },
    manifest: '---\nkind: Deployment\n',
  };
  const helmEncoded = gzipSync(Buffer.from(JSON.stringify(json))).toString(
    'base64',
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${release}.v${revision}`,
      namespace: 'bookstore',
      labels: {
        owner: 'helm',
        name: release,
        version: String(revision),
        status,
      },
    },
    data: { release: Buffer.from(helmEncoded).toString('base64') },
  };
}

async function createSecret(kubeConfig: KubeConfig, secret: object) {
  await kubeJsonRequest(
    kubeConfig,
    'POST',
    '/api/v1/namespaces/bookstore/secrets',
    { body: secret },
  );
}

const context = (): AiSreActionContext => ({
  cluster: 'sandbox',
  incidentId: 'inc-helm',
  logger: mockServices.logger.mock(),
  signal: AbortSignal.timeout(10_000),
});

const rollback = (params: ExtensionPlanStep['params']): ExtensionPlanStep => ({
  action: 'helm-rollback',
  target: null,
  params: { namespace: 'bookstore', release: 'catalog', ...params },
  risk: 'high',
  expectedEffect: 'catalog runs its previous chart',
  verification: 'the release is deployed at the earlier chart',
  inverse: 'roll forward',
});

async function setup(
  releases?: (history: HelmSecretsHistory) => AiSreHelmReleases,
) {
  const knex = await databases.init('SQLITE_3');
  await IncidentStore.migrate(knex);
  const sandbox: Sandbox = await startExample(
    'bookstore-crashloop-after-deploy',
  );
  const kubeConfig = kubeConfigOf(sandbox);
  for (const [revision, status, chart, app] of [
    [1, 'superseded', '1.3.0', '2.4.0'],
    [2, 'superseded', '1.3.2', '2.4.1'],
    [3, 'failed', '1.4.0', '2.5.0-rc1'],
    [4, 'deployed', '1.4.1', '2.5.0'],
  ] as const) {
    await createSecret(
      kubeConfig,
      helmSecret('catalog', revision, status, chart, app),
    );
  }
  // Another release in the namespace is not part of the history.
  await createSecret(
    kubeConfig,
    helmSecret('catalog-web', 1, 'deployed', '0.1.0', '1.0.0'),
  );
  const history = new HelmSecretsHistory({
    kubeConfigFor: cluster => (cluster === 'sandbox' ? kubeConfig : undefined),
  });
  const executions = new ExecutionStore(knex);
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
    actions: [createHelmRollbackAction(releases?.(history) ?? history)],
  });
  return { sandbox, kubeConfig, history, executor, executions };
}

describe('Helm release history from the storage Secrets', () => {
  it('reads revisions, chart and app versions, oldest first, and nothing else', async () => {
    const { sandbox, history } = await setup();
    try {
      const revisions = await history.history(
        'bookstore',
        'catalog',
        context(),
      );
      expect(revisions).toEqual([
        {
          revision: 1,
          status: 'superseded',
          chart: 'catalog-api',
          chartVersion: '1.3.0',
          appVersion: '2.4.0',
          updated: '2025-03-01T00:00:00Z',
          description: 'Install complete',
        },
        expect.objectContaining({ revision: 2, chartVersion: '1.3.2' }),
        expect.objectContaining({ revision: 3, status: 'failed' }),
        expect.objectContaining({
          revision: 4,
          status: 'deployed',
          appVersion: '2.5.0',
        }),
      ]);
      expect(JSON.stringify(revisions)).not.toMatch(/not-for-the-plan/);
      expect(
        await history.history('bookstore', 'no-such-release', context()),
      ).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });

  it('decodes plain (not gzipped) payloads too', () => {
    const plain = Buffer.from(
      Buffer.from(JSON.stringify({ version: 7 })).toString('base64'),
    ).toString('base64');
    expect(decodeHelmRelease(plain)).toEqual({ version: 7 });
  });
});

describe('helm-rollback', () => {
  it('previews the rollback to the last good revision and refuses to apply it without a Helm implementation', async () => {
    const { sandbox, executor } = await setup();
    try {
      const [preview] = await executor.preview([rollback({})], 'sandbox');
      expect(preview.status).toBe('failed');
      expect(preview.operations[0]).toMatchObject({
        object: {
          kind: 'HelmRelease',
          namespace: 'bookstore',
          name: 'catalog',
        },
        summary:
          'Roll Helm release bookstore/catalog back from revision 4 (catalog-api-1.4.1 (app 2.5.0)) to revision 2 (catalog-api-1.3.2 (app 2.4.1))',
        diff: [
          { path: 'revision', before: 4, after: '5 (a copy of 2)' },
          { path: 'status', before: 'deployed', after: 'deployed' },
          {
            path: 'chart',
            before: 'catalog-api-1.4.1',
            after: 'catalog-api-1.3.2',
          },
          { path: 'appVersion', before: '2.5.0', after: '2.4.1' },
        ],
      });
      expect(preview.error).toMatch(
        /does not re-implement Helm: run `helm rollback catalog 2 -n bookstore`/,
      );

      const result = await executor.execute('inc-helm', [rollback({})], {
        cluster: 'sandbox',
        dryRun: false,
      });
      expect(result.status).toBe('failed');
      expect(result.details).toMatch(/The dry-run of helm-rollback failed/);

      const missing = await executor.preview(
        [rollback({ revision: 9 })],
        'sandbox',
      );
      expect(missing[0].error).toMatch(
        /has no revision 9 to roll back to \(it has 1 superseded, 2 superseded, 3 failed, 4 deployed\)/,
      );
      const invalid = await executor.preview(
        [rollback({ release: 'Bad Name' })],
        'sandbox',
      );
      expect(invalid[0].error).toMatch(/release must be a Helm release name/);
    } finally {
      await sandbox.stop();
    }
  });

  it('rolls back through an adopter rollback, verifies against the new revision and reverts', async () => {
    const calls: Array<[string, string, number]> = [];
    const cluster: { kubeConfig?: KubeConfig } = {};
    const { sandbox, kubeConfig, executor } = await setup(history => ({
      history: (...args) => history.history(...args),
      async rollback(namespace, release, revision) {
        calls.push([namespace, release, revision]);
        // What Helm writes: a new revision, a copy of the target.
        const versions: Record<number, [string, string]> = {
          1: ['1.3.0', '2.4.0'],
          2: ['1.3.2', '2.4.1'],
          4: ['1.4.1', '2.5.0'],
        };
        await createSecret(
          cluster.kubeConfig!,
          helmSecret(
            release,
            4 + calls.length,
            'deployed',
            ...versions[revision],
          ),
        );
      },
    }));
    cluster.kubeConfig = kubeConfig;
    try {
      const result = await executor.execute(
        'inc-helm',
        [rollback({ revision: 1 })],
        { cluster: 'sandbox', dryRun: false },
      );
      expect(result).toMatchObject({ status: 'succeeded' });
      expect(calls).toEqual([['bookstore', 'catalog', 1]]);
      expect(await executor.verify(result.executionId!)).toEqual({
        state: 'passed',
        reason:
          'every rollout finished with all replicas available; helm-rollback: Helm release bookstore/catalog: revision 5 deployed catalog-api-1.3.0 (app 2.4.0)',
      });
      const rolledBack = await executor.rollback(result.executionId!);
      expect(rolledBack.steps[0].operations[0].status).toBe('reverted');
      expect(calls).toEqual([
        ['bookstore', 'catalog', 1],
        ['bookstore', 'catalog', 4],
      ]);
    } finally {
      await sandbox.stop();
    }
  });
});
