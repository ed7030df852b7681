/**
 * `toggle-feature-flag`: turns a boolean feature flag on or off through a
 * feature-flag provider, and the reference provider for
 * OpenFeature-compatible HTTP flag services.
 *
 * The reference provider reads a flag through the OpenFeature Remote
 * Evaluation Protocol (OFREP: `POST {baseUrl}/ofrep/v1/evaluate/flags/{key}`
 * answers `{ key, value, reason, variant }`), which flagd, Flipt, GO
 * Feature Flag and others serve. OFREP has no write operation, so the flag
 * is set through the service's admin API, by convention
 * `PUT {baseUrl}/flags/{key}` with `{"enabled": true|false}`; the URL,
 * method and body are configurable, e.g. for Flipt:
 * `adminUrl: {baseUrl}/api/v1/namespaces/default/flags/{key}`,
 * `adminBody: {key: '{key}', name: '{key}', enabled: '{enabled}'}`. Both
 * calls send `Authorization: Bearer <token>` when a token is configured.
 */
import type { Config } from '@backstage/config';
import type {
  AiSreAction,
  AiSreActionContext,
  AiSreFeatureFlagProvider,
} from '@internal/plugin-ai-sre-node';

const FLAG_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$/;

function enabledParam(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

interface FlagSnapshot {
  flag: string;
  enabled: boolean;
}

/**
 * The `toggle-feature-flag` action on a provider. Parameters: `flag` (its
 * key) and `enabled` (boolean). The dry-run reads the current value;
 * reverting sets the value read by the dry-run back; verification
 * re-reads the flag (pending until the service reports the new value).
 */
export function createFeatureFlagAction(
  provider: AiSreFeatureFlagProvider,
): AiSreAction {
  const state = (enabled: boolean) => (enabled ? 'on' : 'off');
  return {
    id: 'toggle-feature-flag',
    description: `Turns a boolean feature flag of ${provider.name} on or off; reverting sets the value it had before.`,
    risk: 'medium',
    validate(params) {
      if (typeof params.flag !== 'string' || !FLAG_KEY.test(params.flag)) {
        return `flag must be a flag key, got ${JSON.stringify(params.flag)}`;
      }
      if (enabledParam(params.enabled) === undefined) {
        return `enabled must be true or false, got ${JSON.stringify(
          params.enabled,
        )}`;
      }
      const extra = Object.keys(params).filter(
        k => k !== 'flag' && k !== 'enabled',
      );
      if (extra.length) {
        return `toggle-feature-flag takes flag and enabled, not ${extra.join(
          ', ',
        )}`;
      }
      return undefined;
    },
    async dryRun(params, context) {
      const flag = String(params.flag);
      const enabled = enabledParam(params.enabled)!;
      const before = await provider.getFlag(flag, context);
      const snapshot: FlagSnapshot = { flag, enabled: before };
      return {
        summary:
          before === enabled
            ? `Feature flag ${flag} of ${provider.name} is ${state(
                enabled,
              )} already`
            : `Turn feature flag ${flag} of ${provider.name} ${state(enabled)}`,
        object: {
          apiVersion: 'openfeature.dev/v1',
          kind: 'FeatureFlag',
          name: flag,
        },
        diff:
          before === enabled
            ? []
            : [{ path: `flags.${flag}`, before, after: enabled }],
        snapshot,
      };
    },
    async apply(params, context) {
      await provider.setFlag(
        String(params.flag),
        enabledParam(params.enabled)!,
        context,
      );
    },
    async revert(snapshot, context) {
      const { flag, enabled } = snapshot as FlagSnapshot;
      await provider.setFlag(flag, enabled, context);
    },
    async verify(params, context) {
      const flag = String(params.flag);
      const wanted = enabledParam(params.enabled)!;
      const value = await provider.getFlag(flag, context);
      return value === wanted
        ? {
            state: 'passed',
            reason: `feature flag ${flag} is ${state(value)}`,
          }
        : {
            state: 'pending',
            reason: `feature flag ${flag} is still ${state(value)}`,
          };
    },
  };
}

/** Settings of the reference provider. */
export interface OfrepFeatureFlagProviderOptions {
  /** The flag service, e.g. `http://flagd:8016`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` with every call. */
  token?: string;
  /** Names the service in summaries; default `OFREP`. */
  name?: string;
  /** Where a flag is set; `{baseUrl}` and `{key}` are replaced. Default `{baseUrl}/flags/{key}`. */
  adminUrl?: string;
  /** Default `PUT`. */
  adminMethod?: 'PUT' | 'PATCH' | 'POST';
  /**
   * The JSON body that sets a flag: the string `'{enabled}'` becomes the
   * boolean, `{key}` in strings becomes the flag key. Default
   * `{ enabled: '{enabled}' }`.
   */
  adminBody?: unknown;
  /** The OFREP evaluation context flags are read with; default `{}`. */
  evaluationContext?: Record<string, unknown>;
  /** Default 10000. */
  timeoutMs?: number;
}

/** Replaces the placeholders of an admin body template. */
function fill(template: unknown, key: string, enabled: boolean): unknown {
  if (template === '{enabled}') return enabled;
  if (typeof template === 'string') return template.split('{key}').join(key);
  if (Array.isArray(template)) return template.map(t => fill(t, key, enabled));
  if (template && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([k, v]) => [k, fill(v, key, enabled)]),
    );
  }
  return template;
}

/**
 * The reference feature-flag provider: OFREP to read, the service's admin
 * API to write (see the module comment).
 */
export class OfrepFeatureFlagProvider implements AiSreFeatureFlagProvider {
  readonly name: string;

  constructor(private readonly options: OfrepFeatureFlagProviderOptions) {
    this.name = options.name ?? 'OFREP';
  }

  /**
   * Reads the settings from a config object with keys `baseUrl`, `token`,
   * `name`, `adminUrl`, `adminMethod`, `adminBody`, `evaluationContext`
   * and `timeoutMs`, wherever the adopter keeps it.
   */
  static fromConfig(config: Config): OfrepFeatureFlagProvider {
    const method = config.getOptionalString('adminMethod');
    if (method && !['PUT', 'PATCH', 'POST'].includes(method)) {
      throw new Error(`adminMethod must be PUT, PATCH or POST, not ${method}`);
    }
    return new OfrepFeatureFlagProvider({
      baseUrl: config.getString('baseUrl'),
      token: config.getOptionalString('token'),
      name: config.getOptionalString('name'),
      adminUrl: config.getOptionalString('adminUrl'),
      adminMethod: method as OfrepFeatureFlagProviderOptions['adminMethod'],
      adminBody: config.getOptional('adminBody'),
      evaluationContext: config.getOptional('evaluationContext'),
      timeoutMs: config.getOptionalNumber('timeoutMs'),
    });
  }

  private get base() {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  private async call(
    method: string,
    url: string,
    body: unknown,
    context: AiSreActionContext,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(this.options.token
          ? { authorization: `Bearer ${this.options.token}` }
          : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.any([
        context.signal,
        AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      ]),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text
    }
    return { status: response.status, body: parsed };
  }

  async getFlag(key: string, context: AiSreActionContext): Promise<boolean> {
    const { status, body } = await this.call(
      'POST',
      `${this.base}/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`,
      { context: this.options.evaluationContext ?? {} },
      context,
    );
    if (status !== 200) {
      const why =
        body && typeof body === 'object'
          ? [body.errorCode, body.errorDetails].filter(Boolean).join(': ')
          : String(body ?? '');
      throw new Error(
        `${this.name} could not evaluate flag ${key} (${status}${
          why ? ` ${why}` : ''
        })`,
      );
    }
    if (typeof body?.value !== 'boolean') {
      throw new Error(
        `Flag ${key} of ${
          this.name
        } is not a boolean flag (value ${JSON.stringify(body?.value)})`,
      );
    }
    return body.value;
  }

  async setFlag(
    key: string,
    enabled: boolean,
    context: AiSreActionContext,
  ): Promise<void> {
    const url = (this.options.adminUrl ?? '{baseUrl}/flags/{key}')
      .split('{baseUrl}')
      .join(this.base)
      .split('{key}')
      .join(encodeURIComponent(key));
    const { status, body } = await this.call(
      this.options.adminMethod ?? 'PUT',
      url,
      fill(this.options.adminBody ?? { enabled: '{enabled}' }, key, enabled),
      context,
    );
    if (status < 200 || status >= 300) {
      throw new Error(
        `${this.name} did not set flag ${key} (${status}${
          body?.message ? ` ${body.message}` : ''
        })`,
      );
    }
  }
}
