import {
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import net from 'node:net';
import { deployment, entity, scenario, signal, T0 } from '../rules/fixtures';
import { ScriptedChatModel } from './__testUtils__/ScriptedChatModel';
import {
  AiSreModelService,
  aiSreModelServiceRef,
  createChatModel,
  createModelEnricher,
  IncidentEnricher,
  parseModelConfig,
} from './index';
import type { EnrichmentInput } from './types';

jest.setTimeout(60_000);

function input(): EnrichmentInput {
  const { group } = scenario([
    signal({
      detector: 'crash-loop',
      reason: 'CrashLoopBackOff',
      workload: deployment('catalog-api'),
      logs: ['boom'],
    }),
  ]);
  return {
    incidentId: 'inc-1',
    entityRef: entity('catalog-api'),
    group,
    hypotheses: [],
    now: T0,
  };
}

describe('createModelEnricher', () => {
  it('returns undefined without aiSre.model: everything runs without a model', () => {
    expect(
      createModelEnricher({
        config: new ConfigReader({ aiSre: {} }),
        logger: mockServices.logger.mock(),
      }),
    ).toBeUndefined();
  });

  it('throws on bad settings, naming the key', () => {
    expect(() =>
      createModelEnricher({
        config: new ConfigReader({
          aiSre: { model: { provider: 'openai', model: 'x', timeoutMs: 0 } },
        }),
        logger: mockServices.logger.mock(),
      }),
    ).toThrow('aiSre.model.timeoutMs');
  });

  it('builds an enricher with an in-memory budget and the given model', async () => {
    const model = new ScriptedChatModel([
      JSON.stringify({ summary: 'catalog-api is crash-looping.' }),
    ]);
    const enricher = createModelEnricher({
      config: new ConfigReader({
        aiSre: {
          model: {
            provider: 'openai',
            model: 'gpt-test',
            maxTokensPerIncident: 2000,
          },
        },
      }),
      logger: mockServices.logger.mock(),
      model,
    })!;
    expect((await enricher.enrich(input())).summary).toBe(
      'catalog-api is crash-looping.',
    );
    // 1100 tokens used: 900 left, too little for another prompt.
    expect((await enricher.enrich(input())).skipped).toMatch(
      /over the incident token budget/,
    );
    expect(model.calls).toBe(1);
  });
});

describe('createChatModel', () => {
  const connect = jest.spyOn(net.Socket.prototype, 'connect');
  const fetchSpy = jest.spyOn(globalThis, 'fetch');
  afterAll(() => {
    connect.mockRestore();
    fetchSpy.mockRestore();
  });

  it.each([
    [{ provider: 'openai', model: 'gpt-4o-mini', apiKey: 'sk-test' }, 'openai'],
    [
      {
        provider: 'openai',
        model: 'qwen2.5',
        baseUrl: 'http://127.0.0.1:9/v1',
      },
      'openai',
    ],
    [
      { provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'k' },
      'anthropic',
    ],
    [
      {
        provider: 'ollama',
        model: 'llama3.1',
        baseUrl: 'http://127.0.0.1:9',
      },
      'ollama',
    ],
    [
      {
        provider: 'bedrock',
        model: 'anthropic.claude-3-haiku-20240307-v1:0',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      },
      'chat_bedrock_converse',
    ],
    [
      {
        provider: 'bedrock',
        model: 'anthropic.claude-3-haiku-20240307-v1:0',
        region: 'eu-west-1',
      },
      'chat_bedrock_converse',
    ],
  ])('creates %j without any network call', async (settings, llmType) => {
    const model = await createChatModel(parseModelConfig(settings));
    expect(model._llmType()).toBe(llmType);
    expect((model as unknown as { model: string }).model).toBe(settings.model);
    expect(connect).not.toHaveBeenCalled();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('aiSreModelServiceRef', () => {
  async function serviceOf(options: {
    data: object;
    factory?: ReturnType<typeof createServiceFactory>;
  }): Promise<AiSreModelService> {
    let service: AiSreModelService | undefined;
    const plugin = createBackendPlugin({
      pluginId: 'ai-sre',
      register(env) {
        env.registerInit({
          deps: { model: aiSreModelServiceRef },
          async init({ model }) {
            service = model;
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        plugin,
        mockServices.rootConfig.factory({ data: options.data }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'catalog-api',
                namespace: 'default',
                annotations: { 'ai-sre.io/model-opt-out': 'true' },
              },
              spec: {},
            },
          ],
        }),
        ...(options.factory ? [options.factory] : []),
      ],
    });
    await backend.stop();
    return service!;
  }

  it('provides no enricher without aiSre.model', async () => {
    expect(await serviceOf({ data: {} })).toEqual({ enricher: undefined });
  });

  it('provides an enricher honouring the catalog opt-out annotation', async () => {
    const { enricher } = await serviceOf({
      data: {
        aiSre: {
          model: {
            provider: 'ollama',
            model: 'llama3.1',
            baseUrl: 'http://127.0.0.1:9',
          },
        },
      },
    });
    expect(enricher).toBeDefined();
    expect(await enricher!.enrich(input())).toEqual({
      hypotheses: [],
      usage: [],
      skipped: 'component:default/catalog-api opted out of model calls',
    });
  });

  it('can be replaced by an adopter', async () => {
    const custom: IncidentEnricher = {
      enrich: async () => ({ summary: 'custom', hypotheses: [], usage: [] }),
    };
    const { enricher } = await serviceOf({
      data: {},
      factory: createServiceFactory({
        service: aiSreModelServiceRef,
        deps: {},
        factory: () => ({ enricher: custom }),
      }),
    });
    expect(enricher).toBe(custom);
  });
});
