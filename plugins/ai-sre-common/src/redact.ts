/**
 * Redaction of credentials from text before it is stored, shown or sent to
 * a model: tokens, passwords, keys, connection strings, JWTs, and any exact
 * secret values the caller knows (e.g. values of env vars fed from Secrets).
 */

/** What replaces a redacted value. @public */
export const REDACTED = '[REDACTED]';

interface Rule {
  name: string;
  pattern: RegExp;
  /** Replacement; `$1`.. keep the non-secret parts of a match. */
  replace: string;
}

const RULES: Rule[] = [
  {
    name: 'private-key',
    pattern:
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    replace: REDACTED,
  },
  {
    name: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g,
    replace: REDACTED,
  },
  {
    name: 'url-credentials',
    // scheme://user:password@host
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:)([^\s@'"]+)(@)/gi,
    replace: `$1${REDACTED}$3`,
  },
  {
    name: 'authorization-header',
    pattern:
      /\b(authorization\s*[:=]\s*(?:bearer|basic|token)\s+)([A-Za-z0-9._~+/=-]{6,})/gi,
    replace: `$1${REDACTED}`,
  },
  {
    name: 'bearer-token',
    pattern: /\b(bearer\s+)([A-Za-z0-9._~+/=-]{12,})/gi,
    replace: `$1${REDACTED}`,
  },
  {
    name: 'aws-access-key',
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    replace: REDACTED,
  },
  {
    name: 'github-token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g,
    replace: REDACTED,
  },
  {
    name: 'slack-token',
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
    replace: REDACTED,
  },
  {
    name: 'stripe-or-openai-key',
    pattern:
      /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}\b|\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b/g,
    replace: REDACTED,
  },
  {
    name: 'google-api-key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g,
    replace: REDACTED,
  },
  {
    name: 'key-value-secret',
    // password=..., "api_key": "...", SECRET_TOKEN: ..., client-secret ...
    pattern:
      /((?:^|[\s,;{(&?"'])[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth)[A-Za-z0-9_.-]*["']?\s*(?:=|:|\s)\s*["']?)([^\s"',;&)}]{3,})/gi,
    replace: `$1${REDACTED}`,
  },
];

/** Redacts known credential shapes and the given exact values. @public */
export function redactText(
  text: string,
  knownSecrets: Iterable<string> = [],
): string {
  let out = text;
  // Exact values first, longest first, so a value inside another is not half-redacted.
  const values = [...new Set(knownSecrets)]
    .filter(value => value.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const value of values) {
    out = out.split(value).join(REDACTED);
  }
  for (const rule of RULES) {
    out = out.replace(rule.pattern, rule.replace);
  }
  return out;
}

/** Redacts every string inside a JSON-like value. @public */
export function redactValue<T>(
  value: T,
  knownSecrets: Iterable<string> = [],
): T {
  const secrets = [...knownSecrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, inner]) => [
          k,
          walk(inner),
        ]),
      );
    }
    return v;
  };
  return walk(value) as T;
}
