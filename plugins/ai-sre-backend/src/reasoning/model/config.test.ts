import { ConfigReader } from '@backstage/config';
import {
  hasModelOptOutAnnotation,
  parseModelConfig,
  readModelConfig,
} from './config';

describe('model config', () => {
  it('is absent without aiSre.model', () => {
    expect(readModelConfig(new ConfigReader({}))).toBeUndefined();
    expect(
      readModelConfig(new ConfigReader({ aiSre: { policy: {} } })),
    ).toBeUndefined();
  });

  it('applies the defaults', () => {
    expect(
      readModelConfig(
        new ConfigReader({
          aiSre: { model: { provider: 'ollama', model: 'llama3.1' } },
        }),
      ),
    ).toEqual({
      provider: 'ollama',
      model: 'llama3.1',
      temperature: 0,
      timeoutMs: 30_000,
      maxOutputTokens: 800,
      maxPromptChars: 12_000,
      minConfidenceToSkip: 0.8,
      summaries: true,
      maxTokensPerIncident: 4_000,
      maxTokensPerDay: 200_000,
      optOut: { entityRefs: [] },
    });
  });

  it('reads every setting, lower-casing opted-out refs', () => {
    const config = parseModelConfig({
      provider: 'openai',
      model: 'qwen2.5',
      baseUrl: 'http://vllm:8000/v1',
      apiKey: 'sk-local',
      temperature: 0.2,
      timeoutMs: 5000,
      minConfidenceToSkip: 0.6,
      summaries: false,
      maxTokensPerIncident: 3000,
      maxTokensPerDay: 10000,
      optOut: { entityRefs: ['Component:default/Payments'] },
    });
    expect(config.baseUrl).toBe('http://vllm:8000/v1');
    expect(config.optOut.entityRefs).toEqual(['component:default/payments']);
    expect(config.summaries).toBe(false);
  });

  it.each([
    [{ provider: 'gemini', model: 'x' }, 'aiSre.model.provider'],
    [{ provider: 'openai' }, 'aiSre.model.model'],
    [
      { provider: 'openai', model: 'x', maxTokensPerDay: -1 },
      'aiSre.model.maxTokensPerDay',
    ],
    [
      { provider: 'openai', model: 'x', minConfidenceToSkip: 2 },
      'aiSre.model.minConfidenceToSkip',
    ],
    [
      { provider: 'openai', model: 'x', baseUrl: 'not a url' },
      'aiSre.model.baseUrl',
    ],
    [{ provider: 'bedrock', model: 'x' }, 'aiSre.model.region'],
    [
      {
        provider: 'openai',
        model: 'x',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      },
      'aiSre.model.credentials',
    ],
    [{ provider: 'openai', model: 'x', maxTokens: 5 }, 'maxTokens'],
    [
      { provider: 'openai', model: 'x', optOut: { entityRefs: 'a' } },
      'aiSre.model.optOut.entityRefs',
    ],
  ])('rejects %j naming %s', (value, key) => {
    expect(() => parseModelConfig(value)).toThrow(key);
    expect(() =>
      readModelConfig(new ConfigReader({ aiSre: { model: value } })),
    ).toThrow(key);
  });

  it('reads the opt-out annotation', () => {
    const entity = (annotations?: Record<string, string>) => ({
      metadata: { annotations },
    });
    expect(
      hasModelOptOutAnnotation(entity({ 'ai-sre.io/model-opt-out': 'true' })),
    ).toBe(true);
    expect(
      hasModelOptOutAnnotation(entity({ 'ai-sre.io/model-opt-out': 'True ' })),
    ).toBe(true);
    expect(
      hasModelOptOutAnnotation(entity({ 'ai-sre.io/model-opt-out': 'false' })),
    ).toBe(false);
    expect(hasModelOptOutAnnotation(entity())).toBe(false);
  });
});
