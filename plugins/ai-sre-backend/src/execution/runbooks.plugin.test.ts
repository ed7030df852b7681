/**
 * The plugin's wiring of extension actions: what modules register through
 * `aiSreActionsExtensionPoint` and the runbooks of `aiSre.runbooks` reach
 * the executor (the only way anything reaches a cluster).
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  AiSreAction,
  aiSreActionsExtensionPoint,
} from '@internal/plugin-ai-sre-node';
import request from 'supertest';
import { aiSrePlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/databases';
import type { KubernetesExecutorOptions } from './KubernetesExecutor';

const mockExecutors: KubernetesExecutorOptions[] = [];
jest.mock('./KubernetesExecutor', () => {
  const actual = jest.requireActual('./KubernetesExecutor');
  return {
    ...actual,
    KubernetesExecutor: class extends actual.KubernetesExecutor {
      constructor(options: KubernetesExecutorOptions) {
        super(options);
        mockExecutors.push(options);
      }
    },
  };
});

const { databases } = createTestDatabases();
jest.setTimeout(60_000);

const custom: AiSreAction = {
  id: 'purge-cdn-cache',
  description: 'Purges the CDN cache',
  risk: 'low',
  validate: () => undefined,
  dryRun: async () => ({ diff: [], snapshot: null }),
  apply: async () => {},
  revert: async () => {},
};

const runbooks = [
  {
    name: 'rebuild-sitemap',
    namespace: 'bookstore',
    description: 'Rebuilds the sitemap',
    jobTemplate: {
      template: { spec: { containers: [{ name: 'main', image: 'x:1' }] } },
    },
    activeDeadlineSeconds: 600,
  },
];

async function start(features: any[], data: Record<string, any> = {}) {
  const knex = await databases.init('SQLITE_3');
  mockExecutors.length = 0;
  return startTestBackend({
    features: [
      aiSrePlugin,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({ data }),
      ...features,
    ],
  });
}

describe('extension actions in the plugin', () => {
  it('has only the previewing helm-rollback without extensions', async () => {
    const { server } = await start([]);
    expect((await request(server).get('/api/ai-sre/health')).status).toBe(200);
    const [options] = mockExecutors;
    expect(options.actions!.map(a => a.id)).toEqual(['helm-rollback']);
    expect(options.actions![0].description).toMatch(/does not apply it/);
  });

  it('passes registered actions, the flag provider, Helm rollbacks and runbooks to the executor', async () => {
    const module = createBackendModule({
      pluginId: 'ai-sre',
      moduleId: 'test-actions',
      register(reg) {
        reg.registerInit({
          deps: { actions: aiSreActionsExtensionPoint },
          async init({ actions }) {
            actions.addAction(custom);
            actions.setFeatureFlagProvider({
              name: 'flagd',
              getFlag: async () => true,
              setFlag: async () => {},
            });
            actions.setHelmReleases({ rollback: async () => {} });
          },
        });
      },
    });
    await start([module], { aiSre: { runbooks } });
    const [options] = mockExecutors;
    expect(options.actions!.map(a => a.id)).toEqual([
      'purge-cdn-cache',
      'toggle-feature-flag',
      'helm-rollback',
      'run-runbook-job',
    ]);
    expect(options.actions![2].description).toMatch(
      /through the registered Helm rollback implementation/,
    );
    expect(options.actions![3].description).toMatch(/rebuild-sitemap/);
  });

  it('does not start with an unbounded runbook', async () => {
    await expect(
      start([], {
        aiSre: {
          runbooks: [{ ...runbooks[0], activeDeadlineSeconds: 86400 }],
        },
      }),
    ).rejects.toThrow(
      /activeDeadlineSeconds must be an integer from 1 to 3600/,
    );
  });
});
