import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';

/** An answer that never comes (until the call is aborted). */
export const HANG = Symbol('hang');

export type ScriptedAnswer =
  | string
  | Error
  | typeof HANG
  | { content: string; inputTokens?: number; outputTokens?: number };

/**
 * A chat model that answers from a script and records every prompt it
 * receives, as plain text per message.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly prompts: Array<Array<{ role: string; text: string }>> = [];

  private readonly script: ScriptedAnswer[];

  constructor(script: ScriptedAnswer[]) {
    super({ maxRetries: 0 });
    this.script = [...script];
  }

  _llmType(): string {
    return 'scripted';
  }

  get calls(): number {
    return this.prompts.length;
  }

  /** Everything the model was sent, joined. */
  get allText(): string {
    return this.prompts
      .flat()
      .map(m => m.text)
      .join('\n');
  }

  async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
  ): Promise<ChatResult> {
    this.prompts.push(
      messages.map(m => ({
        role: m.type,
        text: typeof m.content === 'string' ? m.content : JSON.stringify(m),
      })),
    );
    const next = this.script.shift();
    if (next === undefined) {
      throw new Error('the script has no more answers');
    }
    if (next instanceof Error) {
      throw next;
    }
    if (next === HANG) {
      await new Promise((_, reject) => {
        options.signal?.addEventListener('abort', () =>
          reject(new Error('aborted')),
        );
      });
      throw new Error('unreachable');
    }
    const answer = typeof next === 'string' ? { content: next } : next;
    const message = new AIMessage({
      content: answer.content,
      usage_metadata: {
        input_tokens: answer.inputTokens ?? 1000,
        output_tokens: answer.outputTokens ?? 100,
        total_tokens:
          (answer.inputTokens ?? 1000) + (answer.outputTokens ?? 100),
      },
    });
    return { generations: [{ text: answer.content, message }] };
  }
}
