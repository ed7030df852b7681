/**
 * Optional language model enrichment of incidents. Without `aiSre.model`
 * nothing here is used and the workflow runs on the deterministic agents
 * alone.
 */
import {
  AuthService,
  coreServices,
  createServiceFactory,
  createServiceRef,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Knex } from 'knex';
import { InMemoryTokenBudget, KnexTokenBudget, TokenBudget } from './budget';
import { hasModelOptOutAnnotation, readModelConfig } from './config';
import { IsOptedOut, ModelEnricher } from './ModelEnricher';
import { createChatModel } from './providers';
import type { IncidentEnricher } from './types';

export type {
  Enrichment,
  EnrichmentInput,
  IncidentEnricher,
  ModelUsage,
} from './types';
export {
  MODEL_OPT_OUT_ANNOTATION,
  MODEL_PROVIDERS,
  hasModelOptOutAnnotation,
  parseModelConfig,
  readModelConfig,
} from './config';
export type { ModelConfig, ModelProvider } from './config';
export {
  InMemoryTokenBudget,
  KnexTokenBudget,
  MODEL_USAGE_TABLE,
  dayOf,
} from './budget';
export type { RemainingTokens, TokenBudget, TokenLimits } from './budget';
export { ModelEnricher } from './ModelEnricher';
export type { IsOptedOut, ModelEnricherOptions } from './ModelEnricher';
export { createChatModel } from './providers';
export { buildPrompt } from './prompt';

export interface CreateModelEnricherOptions {
  /** The root config; the settings are read from `aiSre.model`. */
  config: Config;
  logger: LoggerService;
  /**
   * The plugin's database, for budgets shared by all replicas (the table
   * comes from the plugin's migrations). Without it usage is kept in memory.
   */
  database?: Knex;
  /**
   * Whether an entity opted out, e.g. by the `ai-sre.io/model-opt-out`
   * annotation (see {@link catalogModelOptOut}). The refs in
   * `aiSre.model.optOut.entityRefs` are honoured in any case.
   */
  isOptedOut?: IsOptedOut;
  /** Replaces the configured provider's model (tests, custom providers). */
  model?: BaseChatModel | (() => Promise<BaseChatModel>);
  /** Replaces the token budget. */
  budget?: TokenBudget;
}

/**
 * The enricher `aiSre.model` describes, or undefined when it is absent.
 * Throws when the settings are invalid (naming the key). The provider
 * package is loaded, and the model created, on the first call.
 */
export function createModelEnricher(
  options: CreateModelEnricherOptions,
): IncidentEnricher | undefined {
  const config = readModelConfig(options.config);
  if (!config) {
    return undefined;
  }
  const limits = {
    maxTokensPerIncident: config.maxTokensPerIncident,
    maxTokensPerDay: config.maxTokensPerDay,
  };
  let budget = options.budget;
  if (!budget) {
    if (options.database) {
      budget = new KnexTokenBudget(options.database, limits);
    } else {
      options.logger.warn(
        'Model token budgets are kept in memory (no database): they restart with the process and are not shared by replicas',
      );
      budget = new InMemoryTokenBudget(limits);
    }
  }
  options.logger.info(
    `Incidents are enriched by the ${config.provider} model ${config.model}`,
  );
  return new ModelEnricher({
    model: options.model ?? (() => createChatModel(config)),
    config,
    budget,
    isOptedOut: options.isOptedOut,
    logger: options.logger,
  });
}

/**
 * An opt-out check reading the `ai-sre.io/model-opt-out` annotation from
 * the catalog. An entity the catalog does not know has not opted out; an
 * error reading it counts as opted out (nothing is sent).
 */
export function catalogModelOptOut(options: {
  catalog: CatalogService;
  auth: AuthService;
}): IsOptedOut {
  return async entityRef => {
    const entity = await options.catalog.getEntityByRef(entityRef, {
      credentials: await options.auth.getOwnServiceCredentials(),
    });
    return entity ? hasModelOptOutAnnotation(entity) : false;
  };
}

/** What the model service provides: the enricher, absent without a model. */
export interface AiSreModelService {
  enricher: IncidentEnricher | undefined;
}

/**
 * The model service of the AI SRE plugin. The default factory builds the
 * enricher from `aiSre.model`; an adopter can install another factory for
 * this ref to bring their own enricher (or none).
 */
export const aiSreModelServiceRef = createServiceRef<AiSreModelService>({
  id: 'ai-sre.model',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
      },
      async factory({ config, logger, database, auth, catalog }) {
        if (!config.has('aiSre.model')) {
          return { enricher: undefined };
        }
        return {
          enricher: createModelEnricher({
            config,
            logger: logger.child({ component: 'model' }),
            database: await database.getClient(),
            isOptedOut: catalogModelOptOut({ catalog, auth }),
          }),
        };
      },
    }),
});
