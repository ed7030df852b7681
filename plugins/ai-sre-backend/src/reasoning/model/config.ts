/**
 * Reading of `aiSre.model`: which chat model enriches incidents, when it is
 * called, and how many tokens it may spend. Absent means no model at all.
 */
import type { Config } from '@backstage/config';
import { z } from 'zod';

/** The LangChain chat model providers that can be configured. */
export const MODEL_PROVIDERS = [
  'openai',
  'anthropic',
  'ollama',
  'bedrock',
] as const;

export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** The catalog annotation that keeps an entity's incidents away from any model. */
export const MODEL_OPT_OUT_ANNOTATION = 'ai-sre.io/model-opt-out';

/** Where the settings live in app-config. */
export const MODEL_CONFIG_KEY = 'aiSre.model';

const positiveInt = z.number().int().positive();

const modelConfigSchema = z
  .object({
    provider: z.enum(MODEL_PROVIDERS),
    model: z.string().min(1),
    /** OpenAI-compatible servers (vLLM, LiteLLM, LM Studio...) and Ollama. */
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    /** Bedrock only. */
    region: z.string().min(1).optional(),
    /** Bedrock only; default the AWS SDK's credential chain (environment, profile, role). */
    credentials: z
      .object({
        accessKeyId: z.string().min(1),
        secretAccessKey: z.string().min(1),
        sessionToken: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    temperature: z.number().min(0).max(2).default(0),
    timeoutMs: positiveInt.default(30_000),
    /** Most tokens the model may answer with in one call. */
    maxOutputTokens: positiveInt.default(800),
    /** Longest prompt (characters), before the token budget shrinks it further. */
    maxPromptChars: positiveInt.min(2_000).default(12_000),
    /**
     * Hypotheses are asked for only when the deterministic top hypothesis is
     * below this confidence, or when there is none.
     */
    minConfidenceToSkip: z.number().min(0).max(1).default(0.8),
    /**
     * Ask for a plain-language summary even when the deterministic ranking
     * is sure (then only the summary is asked for). False: the model is
     * called only when the ranking is unsure.
     */
    summaries: z.boolean().default(true),
    maxTokensPerIncident: positiveInt.default(4_000),
    maxTokensPerDay: positiveInt.default(200_000),
    optOut: z
      .object({ entityRefs: z.array(z.string().min(1)).default([]) })
      .strict()
      .default({ entityRefs: [] }),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.provider === 'bedrock' && !value.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: 'is required for the bedrock provider',
      });
    }
    if (value.provider !== 'bedrock' && value.credentials) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials'],
        message: 'is only used by the bedrock provider',
      });
    }
  });

/** `aiSre.model`, validated, with defaults applied. */
export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** A settings object as written in app-config (defaults not yet applied). */
export type ModelConfigInput = z.input<typeof modelConfigSchema>;

/** Entity refs are case-insensitive. */
export function normalizeEntityRef(ref: string): string {
  return ref.toLocaleLowerCase('en-US');
}

/**
 * Validates a settings object; throws an error naming the first bad key
 * (e.g. `aiSre.model.maxTokensPerDay`).
 */
export function parseModelConfig(value: unknown): ModelConfig {
  const result = modelConfigSchema.safeParse(value);
  if (!result.success) {
    const messages = result.error.issues.map(issue => {
      const path = [MODEL_CONFIG_KEY, ...issue.path.map(String)].join('.');
      return `${path}: ${issue.message}`;
    });
    throw new Error(`Invalid model configuration: ${messages.join('; ')}`);
  }
  return {
    ...result.data,
    optOut: {
      entityRefs: result.data.optOut.entityRefs.map(normalizeEntityRef),
    },
  };
}

/** Reads `aiSre.model`; undefined when it is absent (no model configured). */
export function readModelConfig(config: Config): ModelConfig | undefined {
  if (!config.has(MODEL_CONFIG_KEY)) {
    return undefined;
  }
  return parseModelConfig(config.get(MODEL_CONFIG_KEY));
}

/** Whether an entity's annotations opt it out of model calls. */
export function hasModelOptOutAnnotation(entity: {
  metadata: { annotations?: Record<string, string> };
}): boolean {
  const value = entity.metadata.annotations?.[MODEL_OPT_OUT_ANNOTATION];
  return typeof value === 'string' && value.trim().toLowerCase() === 'true';
}
