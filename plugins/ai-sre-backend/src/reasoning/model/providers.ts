/**
 * LangChain chat models for the configured provider. Each provider package
 * is loaded only when it is used, and creating a model makes no network
 * call (connections are opened by the first request).
 *
 * The packages are loaded with a lazy `require` rather than `import()`:
 * this package runs as CommonJS, and a native `import()` fails under Jest
 * without `--experimental-vm-modules`. All four ship CommonJS builds.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { ModelConfig } from './config';

type OpenAiModule = typeof import('@langchain/openai');
type AnthropicModule = typeof import('@langchain/anthropic');
type OllamaModule = typeof import('@langchain/ollama');
type AwsModule = typeof import('@langchain/aws');

/** Loads a provider package on first use. */
function load<T>(name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name) as T;
}

/** Retries inside one call; the enricher's timeout bounds them all. */
const MAX_RETRIES = 1;

/** Builds the chat model `aiSre.model` describes. */
export async function createChatModel(
  config: ModelConfig,
): Promise<BaseChatModel> {
  switch (config.provider) {
    case 'openai': {
      const { ChatOpenAI } = load<OpenAiModule>('@langchain/openai');
      // OpenAI-compatible servers often need no key, but the client wants one.
      const apiKey =
        config.apiKey ??
        process.env.OPENAI_API_KEY ??
        (config.baseUrl ? 'unused' : undefined);
      return new ChatOpenAI({
        model: config.model,
        temperature: config.temperature,
        maxTokens: config.maxOutputTokens,
        timeout: config.timeoutMs,
        maxRetries: MAX_RETRIES,
        ...(apiKey ? { apiKey } : {}),
        ...(config.baseUrl
          ? { configuration: { baseURL: config.baseUrl } }
          : {}),
      });
    }
    case 'anthropic': {
      const { ChatAnthropic } = load<AnthropicModule>('@langchain/anthropic');
      return new ChatAnthropic({
        model: config.model,
        temperature: config.temperature,
        maxTokens: config.maxOutputTokens,
        maxRetries: MAX_RETRIES,
        clientOptions: { timeout: config.timeoutMs },
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        ...(config.baseUrl ? { anthropicApiUrl: config.baseUrl } : {}),
      });
    }
    case 'ollama': {
      const { ChatOllama } = load<OllamaModule>('@langchain/ollama');
      return new ChatOllama({
        model: config.model,
        temperature: config.temperature,
        numPredict: config.maxOutputTokens,
        maxRetries: MAX_RETRIES,
        format: 'json',
        ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      });
    }
    case 'bedrock': {
      const { ChatBedrockConverse } = load<AwsModule>('@langchain/aws');
      return new ChatBedrockConverse({
        model: config.model,
        region: config.region,
        temperature: config.temperature,
        maxTokens: config.maxOutputTokens,
        maxRetries: MAX_RETRIES,
        // Without explicit credentials the AWS SDK's default chain is used
        // (environment, shared profile, web identity, instance role).
        ...(config.credentials ? { credentials: config.credentials } : {}),
      });
    }
    default: {
      const provider: never = config.provider;
      throw new Error(`Unknown model provider ${String(provider)}`);
    }
  }
}
