import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type {
  AiSreAction,
  AiSreActionContext,
} from '@internal/plugin-ai-sre-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutionStore } from '../store/ExecutionStore';
import { IncidentStore } from '../store/IncidentStore';
import { createTestDatabases } from '../__testUtils__/databases';
import type { ExtensionPlanStep } from './actions';
import type { ClusterOps } from './ClusterOps';
import {
  createFeatureFlagAction,
  OfrepFeatureFlagProvider,
} from './featureFlags';
import { KubernetesExecutor } from './KubernetesExecutor';

const { databases } = createTestDatabases();
jest.setTimeout(60_000);

const TOKEN = 'flag-admin-token';

/**
 * A flag service: OFREP evaluation and a `PUT /flags/{key}` admin API,
 * both behind a bearer token.
 */
async function startFlagService(flags: Record<string, unknown>) {
  const requests: Array<{ method: string; url: string; body: any }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      requests.push({ method: req.method!, url: req.url!, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        send(401, { errorCode: 'UNAUTHORIZED' });
        return;
      }
      const evaluate = req.url!.match(/^\/ofrep\/v1\/evaluate\/flags\/(.+)$/);
      const admin = req.url!.match(/^\/flags\/(.+)$/);
      if (req.method === 'POST' && evaluate) {
        const key = decodeURIComponent(evaluate[1]);
        if (!(key in flags)) {
          send(404, {
            key,
            errorCode: 'FLAG_NOT_FOUND',
            errorDetails: `flag ${key} not found`,
          });
          return;
        }
        send(200, {
          key,
          value: flags[key],
          reason: 'STATIC',
          variant: String(flags[key]),
        });
        return;
      }
      if (req.method === 'PUT' && admin) {
        const key = decodeURIComponent(admin[1]);
        if (!(key in flags)) {
          send(404, { message: 'no such flag' });
          return;
        }
        flags[key] = body.enabled;
        send(200, { key, enabled: body.enabled });
        return;
      }
      send(404, { message: 'not found' });
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    flags,
    requests,
    stop: () => new Promise(resolve => server.close(resolve)),
  };
}

const context = (): AiSreActionContext => ({
  cluster: 'prod',
  incidentId: 'inc-1',
  logger: mockServices.logger.mock(),
  signal: AbortSignal.timeout(5000),
});

const toggle = (flag: string, enabled: boolean): ExtensionPlanStep => ({
  action: 'toggle-feature-flag',
  target: null,
  params: { flag, enabled },
  risk: 'medium',
  expectedEffect: `${flag} is ${enabled ? 'on' : 'off'}`,
  verification: 'the flag service reports the new value',
  inverse: 'set the flag back',
});

/** A cluster the extension actions never touch. */
const noCluster = {} as ClusterOps;

async function executorWith(actions: AiSreAction[]) {
  const knex = await databases.init('SQLITE_3');
  await IncidentStore.migrate(knex);
  const executions = new ExecutionStore(knex);
  const executor = new KubernetesExecutor({
    executions,
    opsFor: cluster => (cluster === 'prod' ? noCluster : undefined),
    now: () => Date.parse('2025-03-04T00:00:00Z'),
    logger: mockServices.logger.mock(),
    actions,
  });
  return { executor, executions };
}

describe('OfrepFeatureFlagProvider', () => {
  it('reads flags over OFREP and sets them through the admin API with the bearer token', async () => {
    const service = await startFlagService({ 'checkout-v2': true, theme: 'x' });
    try {
      const provider = OfrepFeatureFlagProvider.fromConfig(
        new ConfigReader({ baseUrl: `${service.baseUrl}/`, token: TOKEN }),
      );
      expect(await provider.getFlag('checkout-v2', context())).toBe(true);
      await provider.setFlag('checkout-v2', false, context());
      expect(service.flags['checkout-v2']).toBe(false);
      expect(await provider.getFlag('checkout-v2', context())).toBe(false);
      expect(service.requests.map(r => `${r.method} ${r.url}`)).toEqual([
        'POST /ofrep/v1/evaluate/flags/checkout-v2',
        'PUT /flags/checkout-v2',
        'POST /ofrep/v1/evaluate/flags/checkout-v2',
      ]);
      expect(service.requests[0].body).toEqual({ context: {} });
      expect(service.requests[1].body).toEqual({ enabled: false });

      await expect(provider.getFlag('missing', context())).rejects.toThrow(
        /could not evaluate flag missing \(404 FLAG_NOT_FOUND/,
      );
      await expect(provider.getFlag('theme', context())).rejects.toThrow(
        /not a boolean flag/,
      );
      const anonymous = new OfrepFeatureFlagProvider({
        baseUrl: service.baseUrl,
      });
      await expect(anonymous.getFlag('checkout-v2', context())).rejects.toThrow(
        /401/,
      );
      await expect(
        anonymous.setFlag('checkout-v2', true, context()),
      ).rejects.toThrow(/did not set flag checkout-v2 \(401/);
      expect(service.flags['checkout-v2']).toBe(false);
    } finally {
      await service.stop();
    }
  });

  it('sends the admin body the adopter configures', async () => {
    const service = await startFlagService({ beta: false });
    try {
      const provider = new OfrepFeatureFlagProvider({
        baseUrl: service.baseUrl,
        token: TOKEN,
        adminUrl: '{baseUrl}/flags/{key}',
        adminBody: { enabled: '{enabled}', key: '{key}', note: 'by ai-sre' },
      });
      await provider.setFlag('beta', true, context());
      expect(service.requests[0].body).toEqual({
        enabled: true,
        key: 'beta',
        note: 'by ai-sre',
      });
    } finally {
      await service.stop();
    }
  });
});

describe('toggle-feature-flag', () => {
  it('validates its parameters', () => {
    const action = createFeatureFlagAction(
      new OfrepFeatureFlagProvider({ baseUrl: 'http://unused' }),
    );
    expect(action.validate({ flag: 'checkout-v2', enabled: false })).toBe(
      undefined,
    );
    expect(action.validate({ flag: 'checkout-v2', enabled: 'false' })).toBe(
      undefined,
    );
    expect(action.validate({ flag: '../admin', enabled: true })).toMatch(
      /flag must be/,
    );
    expect(action.validate({ flag: 'x', enabled: 'maybe' })).toMatch(
      /enabled must be true or false/,
    );
    expect(action.validate({ flag: 'x', enabled: true, extra: 1 })).toMatch(
      /not extra/,
    );
  });

  it('is dry-run, applied, verified and rolled back by the executor', async () => {
    const service = await startFlagService({ 'checkout-v2': true });
    try {
      const action = createFeatureFlagAction(
        new OfrepFeatureFlagProvider({
          baseUrl: service.baseUrl,
          token: TOKEN,
          name: 'flagd',
        }),
      );
      const { executor, executions } = await executorWith([action]);

      const [preview] = await executor.preview(
        [toggle('checkout-v2', false)],
        'prod',
      );
      expect(preview).toMatchObject({
        action: 'toggle-feature-flag',
        status: 'dry-run',
        operations: [
          {
            object: { kind: 'FeatureFlag', name: 'checkout-v2' },
            summary: 'Turn feature flag checkout-v2 of flagd off',
            diff: [{ path: 'flags.checkout-v2', before: true, after: false }],
          },
        ],
      });
      expect(service.flags['checkout-v2']).toBe(true);

      const result = await executor.execute(
        'inc-1',
        [toggle('checkout-v2', false)],
        { cluster: 'prod', dryRun: false, requestedBy: 'user:default/owner' },
      );
      expect(result).toMatchObject({ status: 'succeeded' });
      expect(result.details).toBe(
        'Turn feature flag checkout-v2 of flagd off applied.',
      );
      expect(service.flags['checkout-v2']).toBe(false);
      const record = (await executions.get(result.executionId!))!;
      expect(record.steps[0]).toMatchObject({
        status: 'applied',
        operations: [
          {
            status: 'applied',
            patch: { flag: 'checkout-v2', enabled: false },
            snapshot: {
              action: 'toggle-feature-flag',
              value: { flag: 'checkout-v2', enabled: true },
            },
          },
        ],
      });

      expect(await executor.verify(result.executionId!)).toEqual({
        state: 'passed',
        reason:
          'every rollout finished with all replicas available; toggle-feature-flag: feature flag checkout-v2 is off',
      });
      // Someone turned it back on: the post-condition no longer holds.
      service.flags['checkout-v2'] = true;
      expect(await executor.verify(result.executionId!)).toMatchObject({
        state: 'pending',
        reason: 'toggle-feature-flag: feature flag checkout-v2 is still on',
      });
      service.flags['checkout-v2'] = false;

      const rolledBack = await executor.rollback(result.executionId!);
      expect(rolledBack.status).toBe('rolled-back');
      expect(rolledBack.steps[0].operations[0].status).toBe('reverted');
      expect(service.flags['checkout-v2']).toBe(true);
    } finally {
      await service.stop();
    }
  });

  it('is reverted when a later step fails, and changes nothing in dry-run mode', async () => {
    const service = await startFlagService({ 'checkout-v2': true });
    try {
      const failing: AiSreAction = {
        id: 'always-fails',
        description: 'fails on apply',
        risk: 'low',
        validate: () => undefined,
        dryRun: async () => ({ diff: [], snapshot: null }),
        apply: async () => {
          throw new Error('the service said no');
        },
        revert: async () => {},
      };
      const { executor } = await executorWith([
        createFeatureFlagAction(
          new OfrepFeatureFlagProvider({
            baseUrl: service.baseUrl,
            token: TOKEN,
          }),
        ),
        failing,
      ]);

      const dry = await executor.execute(
        'inc-dry',
        [toggle('checkout-v2', false)],
        { cluster: 'prod', dryRun: true },
      );
      expect(dry.status).toBe('dry-run');
      expect(service.flags['checkout-v2']).toBe(true);

      const result = await executor.execute(
        'inc-2',
        [
          toggle('checkout-v2', false),
          { ...toggle('x', true), action: 'always-fails', params: {} },
        ],
        { cluster: 'prod', dryRun: false },
      );
      expect(result.status).toBe('rolled-back');
      expect(result.details).toMatch(
        /always-fails failed \(the service said no\)/,
      );
      expect(service.flags['checkout-v2']).toBe(true);
      expect(
        service.requests
          .filter(r => r.method === 'PUT')
          .map(r => r.body.enabled),
      ).toEqual([false, true]);

      const invalid = await executor.execute(
        'inc-3',
        [toggle('unknown-flag', false)],
        { cluster: 'prod', dryRun: false },
      );
      expect(invalid.status).toBe('failed');
      expect(invalid.details).toMatch(/FLAG_NOT_FOUND/);

      const unknown = await executor.execute(
        'inc-4',
        [{ ...toggle('x', true), action: 'not-registered' }],
        { cluster: 'prod', dryRun: false },
      );
      expect(unknown).toEqual({
        status: 'refused',
        details: 'not-registered is not an allow-listed action',
      });
    } finally {
      await service.stop();
    }
  });

  it('refuses an extension action that takes a built-in id', async () => {
    await expect(
      executorWith([
        {
          ...createFeatureFlagAction(
            new OfrepFeatureFlagProvider({ baseUrl: 'http://unused' }),
          ),
          id: 'scale-workload',
        },
      ]),
    ).rejects.toThrow(/scale-workload is a built-in action/);
  });
});
