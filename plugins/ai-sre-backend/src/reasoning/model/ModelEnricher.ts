/**
 * Enrichment of an incident by a chat model: a plain-language summary, and
 * extra hypotheses when the deterministic ranking is unsure. The model
 * never changes the deterministic hypotheses, its hypotheses always rank
 * below them, and nothing it says reaches plans or policy decisions.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { formatObjectRef, redactText } from '@internal/plugin-ai-sre-common';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AIMessage } from '@langchain/core/messages';
import type { Hypothesis } from '../types';
import type { TokenBudget } from './budget';
import { ModelConfig, normalizeEntityRef } from './config';
import { ModelOutput, parseModelOutput } from './output';
import { buildPrompt, groupObjects } from './prompt';
import type {
  Enrichment,
  EnrichmentInput,
  IncidentEnricher,
  ModelUsage,
} from './types';

/** Model confidences are scaled by this: a model's guess is not evidence. */
export const MODEL_CONFIDENCE_SCALE = 0.5;
/** A model hypothesis stays at least this far below the deterministic top one. */
export const MODEL_CONFIDENCE_MARGIN = 0.05;
/** Prefix of every fact of a model hypothesis. */
export const MODEL_FACT_PREFIX = 'model: ';
/** Smallest prompt worth sending (characters). */
export const MIN_PROMPT_CHARS = 2_000;
/** Characters per token, for estimates before a call (and when a provider reports no usage). */
const CHARS_PER_TOKEN = 4;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Says whether an entity opted out of model calls (e.g. by its annotation). */
export type IsOptedOut = (entityRef: string) => boolean | Promise<boolean>;

export interface ModelEnricherOptions {
  /** The chat model, or a function creating it on first use. */
  model: BaseChatModel | (() => Promise<BaseChatModel>);
  config: ModelConfig;
  budget: TokenBudget;
  /** Checked for every entity of the incident; an error counts as opted out. */
  isOptedOut?: IsOptedOut;
  logger: LoggerService;
}

class TimeoutError extends Error {}

function contentText(message: AIMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return content
    .map(part => {
      if (typeof part === 'string') return part;
      return part.type === 'text' && typeof part.text === 'string'
        ? part.text
        : '';
    })
    .join('');
}

/** Model text shown to people: redacted, single spaces, no control characters. */
function cleanModelText(text: string): string {
  return redactText(text)
    .replace(/[\u0000-\u001f\u007f]+/g, ' ') // eslint-disable-line no-control-regex
    .trim();
}

function floor2(value: number): number {
  return Math.floor(value * 100) / 100;
}

export class ModelEnricher implements IncidentEnricher {
  private readonly config: ModelConfig;
  private readonly budget: TokenBudget;
  private readonly isOptedOut?: IsOptedOut;
  private readonly logger: LoggerService;
  private readonly optedOutRefs: Set<string>;
  private readonly modelSource: ModelEnricherOptions['model'];
  private model?: Promise<BaseChatModel>;

  constructor(options: ModelEnricherOptions) {
    this.config = options.config;
    this.budget = options.budget;
    this.isOptedOut = options.isOptedOut;
    this.logger = options.logger;
    this.modelSource = options.model;
    this.optedOutRefs = new Set(
      options.config.optOut.entityRefs.map(normalizeEntityRef),
    );
  }

  async enrich(input: EnrichmentInput): Promise<Enrichment> {
    try {
      return await this.enrichUnsafe(input);
    } catch (error) {
      this.logger.warn(
        `Model enrichment of incident ${input.incidentId} failed: ${error}`,
      );
      return {
        hypotheses: [],
        usage: [],
        skipped: `model enrichment failed: ${cleanModelText(
          String(error),
        ).slice(0, 300)}`,
      };
    }
  }

  private getModel(): Promise<BaseChatModel> {
    if (!this.model) {
      const source = this.modelSource;
      this.model =
        typeof source === 'function' ? source() : Promise.resolve(source);
      // A failed creation (missing package, missing key) is retried next time.
      this.model.catch(() => {
        this.model = undefined;
      });
    }
    return this.model;
  }

  /** The entity refs whose opt-out keeps the incident from the model. */
  private async optedOutEntity(
    input: EnrichmentInput,
  ): Promise<string | undefined> {
    const refs = new Set<string>();
    const add = (ref: string | null | undefined) => {
      if (ref) refs.add(normalizeEntityRef(ref));
    };
    add(input.entityRef);
    input.group.entityRefs.forEach(add);
    input.group.signals.forEach(s => s.entityRefs.forEach(add));
    input.hypotheses.forEach(h => add(h.entityRef));
    for (const ref of refs) {
      if (this.optedOutRefs.has(ref)) return ref;
      if (this.isOptedOut) {
        try {
          if (await this.isOptedOut(ref)) return ref;
        } catch (error) {
          // Unknown means no: nothing is sent unless the entity is known not to opt out.
          this.logger.warn(
            `Could not read the model opt-out of ${ref}, not calling the model: ${error}`,
          );
          return ref;
        }
      }
    }
    return undefined;
  }

  private async enrichUnsafe(input: EnrichmentInput): Promise<Enrichment> {
    const { config } = this;
    const optedOut = await this.optedOutEntity(input);
    if (optedOut) {
      return {
        hypotheses: [],
        usage: [],
        skipped: `${optedOut} opted out of model calls`,
      };
    }

    const top = input.hypotheses[0]?.confidence;
    const unsure = top === undefined || top < config.minConfidenceToSkip;
    if (!unsure && !config.summaries) {
      return {
        hypotheses: [],
        usage: [],
        skipped: `the deterministic ranking is confident (${top} >= ${config.minConfidenceToSkip})`,
      };
    }

    const remaining = await this.budget.remaining(input.incidentId, input.now);
    const available = Math.min(remaining.incident, remaining.day);
    const promptChars = Math.min(
      config.maxPromptChars,
      (available - config.maxOutputTokens) * CHARS_PER_TOKEN,
    );
    if (promptChars < MIN_PROMPT_CHARS) {
      const which = remaining.incident <= remaining.day ? 'incident' : 'daily';
      return {
        hypotheses: [],
        usage: [],
        skipped: `over the ${which} token budget (${available} tokens left)`,
      };
    }

    const prompt = buildPrompt(input, {
      maxChars: promptChars,
      wantHypotheses: unsure,
    });
    const model = await this.getModel();

    let message: AIMessage;
    try {
      message = await this.invokeWithTimeout(model, prompt.messages);
    } catch (error) {
      if (error instanceof TimeoutError) {
        // The provider may have spent the tokens; count the prompt.
        const usage = this.usage(estimateTokens(prompt.chars), 0);
        await this.recordUsage(input, usage);
        return {
          hypotheses: [],
          usage: [usage],
          skipped: `the model did not answer within ${config.timeoutMs} ms`,
        };
      }
      throw error;
    }

    const answer = contentText(message);
    const usage = this.usage(
      message.usage_metadata?.input_tokens ?? estimateTokens(prompt.chars),
      message.usage_metadata?.output_tokens ?? estimateTokens(answer.length),
    );
    await this.recordUsage(input, usage);

    const parsed = parseModelOutput(answer);
    if (!parsed.ok) {
      this.logger.info(
        `Discarded the model's answer for incident ${input.incidentId}: ${parsed.reason}`,
      );
      return {
        hypotheses: [],
        usage: [usage],
        skipped: `invalid model output, discarded: ${cleanModelText(
          parsed.reason,
        ).slice(0, 300)}`,
      };
    }
    return this.accept(input, parsed.output, unsure, usage);
  }

  /** A failure to record is logged: the call's result is still used. */
  private async recordUsage(input: EnrichmentInput, usage: ModelUsage) {
    try {
      await this.budget.record(input.incidentId, input.now, usage);
    } catch (error) {
      this.logger.warn(
        `Could not record the model usage of incident ${input.incidentId}: ${error}`,
      );
    }
  }

  private usage(inputTokens: number, outputTokens: number): ModelUsage {
    return {
      provider: this.config.provider,
      model: this.config.model,
      inputTokens,
      outputTokens,
    };
  }

  private async invokeWithTimeout(
    model: BaseChatModel,
    messages: Parameters<BaseChatModel['invoke']>[0],
  ): Promise<AIMessage> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new TimeoutError('timeout'));
        controller.abort();
      }, this.config.timeoutMs);
    });
    try {
      return (await Promise.race([
        model.invoke(messages, { signal: controller.signal }),
        timeout,
      ])) as AIMessage;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Turns a valid answer into the enrichment; discards it whole if it names foreign objects. */
  private accept(
    input: EnrichmentInput,
    output: ModelOutput,
    wantHypotheses: boolean,
    usage: ModelUsage,
  ): Enrichment {
    const objects = groupObjects(input.group);
    const foreign = output.hypotheses.find(
      h => h.object !== null && !objects.has(h.object),
    );
    if (foreign) {
      return {
        hypotheses: [],
        usage: [usage],
        skipped:
          'invalid model output, discarded: a hypothesis names an object outside the incident',
      };
    }

    const notes: string[] = [];
    const top = input.hypotheses[0]?.confidence;
    const ceiling =
      top === undefined ? 1 : Math.max(0, top - MODEL_CONFIDENCE_MARGIN);
    const signalIds = new Set(input.group.signals.map(s => s.id));
    const entityOf = (objectKey: string | null): string | null => {
      if (objectKey) {
        const signal = input.group.signals.find(s =>
          [s.object, s.workload, ...s.ownerChain].some(
            ref => formatObjectRef(ref) === objectKey,
          ),
        );
        if (signal?.entityRefs[0]) return signal.entityRefs[0];
      }
      return input.entityRef;
    };

    let hypotheses: Hypothesis[] = [];
    if (!wantHypotheses && output.hypotheses.length > 0) {
      notes.push('hypotheses were not asked for (the ranking is confident)');
    } else {
      hypotheses = output.hypotheses
        .filter(h => {
          const duplicate = input.hypotheses.some(
            d =>
              d.category === h.category &&
              (d.object ? formatObjectRef(d.object) : null) === h.object,
          );
          if (duplicate) {
            notes.push(`${h.category} repeats a deterministic hypothesis`);
          }
          return !duplicate;
        })
        .map(h => {
          const object = h.object ? objects.get(h.object)! : null;
          return {
            category: h.category,
            object: object ? { ...object } : null,
            entityRef: entityOf(h.object),
            confidence: floor2(
              Math.min(h.confidence * MODEL_CONFIDENCE_SCALE, ceiling),
            ),
            summary: `${MODEL_FACT_PREFIX}${cleanModelText(h.summary)}`,
            evidence: {
              signalIds: [...new Set(h.signalIds)].filter(id =>
                signalIds.has(id),
              ),
              changeIds: [],
              facts: [
                `${MODEL_FACT_PREFIX}suggested by ${this.config.provider}/${this.config.model}, not verified by the rules`,
                ...h.facts.map(f => `${MODEL_FACT_PREFIX}${cleanModelText(f)}`),
              ],
            },
          };
        })
        // Never at or above the deterministic top hypothesis.
        .filter(h => top === undefined || h.confidence < top);
    }

    const summary = output.summary ? cleanModelText(output.summary) : '';
    return {
      ...(summary ? { summary } : {}),
      hypotheses,
      usage: [usage],
      ...(notes.length ? { skipped: `partly used: ${notes.join('; ')}` } : {}),
    };
  }
}
