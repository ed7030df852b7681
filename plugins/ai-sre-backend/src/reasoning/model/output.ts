/**
 * The only shape a model answer may have. Anything else (prose, extra keys,
 * unknown categories, objects outside the incident) is discarded whole.
 */
import { ROOT_CAUSE_CATEGORIES } from '@internal/plugin-ai-sre-common';
import { z } from 'zod';
import {
  MAX_HYPOTHESIS_TEXT_CHARS,
  MAX_MODEL_FACTS,
  MAX_MODEL_HYPOTHESES,
  MAX_SUMMARY_CHARS,
} from './prompt';

const text = (max: number) => z.string().trim().min(1).max(max);

export const modelHypothesisSchema = z
  .object({
    category: z.enum(ROOT_CAUSE_CATEGORIES),
    object: z.string().min(1).nullable(),
    confidence: z.number().min(0).max(1),
    summary: text(MAX_HYPOTHESIS_TEXT_CHARS),
    facts: z
      .array(text(MAX_HYPOTHESIS_TEXT_CHARS))
      .max(MAX_MODEL_FACTS)
      .default([]),
    signalIds: z.array(z.string().min(1)).max(50).default([]),
  })
  .strict();

export const modelOutputSchema = z
  .object({
    summary: text(MAX_SUMMARY_CHARS).optional(),
    hypotheses: z
      .array(modelHypothesisSchema)
      .max(MAX_MODEL_HYPOTHESES)
      .default([]),
  })
  .strict();

export type ModelOutput = z.infer<typeof modelOutputSchema>;

export type ParseResult =
  | { ok: true; output: ModelOutput }
  | { ok: false; reason: string };

/**
 * The JSON object of an answer: the whole text, or the body of a single
 * ```json fence (models add one even when asked not to). Nothing else is
 * searched for, so prose around an object is rejected.
 */
function jsonText(answer: string): string {
  const trimmed = answer.trim();
  const fence = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  return fence ? fence[1].trim() : trimmed;
}

/** Parses and validates a model answer. */
export function parseModelOutput(answer: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(jsonText(answer));
  } catch {
    return { ok: false, reason: 'the answer is not JSON' };
  }
  const result = modelOutputSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    return {
      ok: false,
      reason: `the answer does not match the schema at ${path}: ${issue.message}`,
    };
  }
  return { ok: true, output: result.data };
}
