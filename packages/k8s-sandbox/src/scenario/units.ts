/** Thrown by the unit parsers; the message says what was expected. */
export class UnitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitError';
  }
}

/** Describes a value for an error message: `"fast"`, `42`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(text);
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object') {
    return 'a map';
  }
  return String(value);
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const COMPOUND_DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/**
 * Parses a scenario duration (`250ms`, `30s`, `5m`, `2h`: one number, one
 * unit) into milliseconds. A bare `0` is accepted.
 */
export function parseDuration(text: unknown): number {
  const expected = 'expected a duration like 250ms, 30s, 5m or 2h';
  if (text === 0 || text === '0') {
    return 0;
  }
  if (typeof text !== 'string') {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (match) {
    return Math.round(Number(match[1]) * DURATION_UNITS[match[2]]);
  }
  if (COMPOUND_DURATION.test(trimmed)) {
    let total = 0;
    for (const part of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
      total += Number(part[1]) * DURATION_UNITS[part[2]];
    }
    throw new UnitError(
      `expected a duration with a single unit, got ${describeValue(text)}; ` +
        `write ${formatDuration(total)}`,
    );
  }
  throw new UnitError(`${expected}, got ${describeValue(text)}`);
}

/** Formats milliseconds with the largest unit that divides them exactly. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && Number.isInteger(ms)) {
    for (const unit of ['h', 'm', 's'] as const) {
      if (ms % DURATION_UNITS[unit] === 0) {
        return `${ms / DURATION_UNITS[unit]}${unit}`;
      }
    }
  }
  return `${ms}ms`;
}

const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

// The grammar of k8s.io/apimachinery/pkg/api/resource.Quantity.
const QUANTITY =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

/**
 * Parses a Kubernetes quantity (`250m`, `512Mi`, `2`, `1.5Gi`, `1e3`,
 * `100k`) into base units: cores for CPU, bytes for memory. Numbers are
 * returned as they are.
 */
export function parseQuantity(text: unknown): number {
  if (typeof text === 'number' && Number.isFinite(text)) {
    return text;
  }
  const expected = 'expected a Kubernetes quantity like 250m, 512Mi or 2';
  if (typeof text !== 'string') {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  const match = QUANTITY.exec(text.trim());
  if (!match) {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  const [, number, binary, decimal, exponent] = match;
  let factor = 1;
  if (binary !== undefined) {
    factor = BINARY_SUFFIXES[binary];
  } else if (decimal !== undefined) {
    factor = DECIMAL_SUFFIXES[decimal];
  } else if (exponent !== undefined) {
    factor = 10 ** Number(exponent);
  }
  const value = Number(number) * factor;
  // Undo binary floating-point noise such as 0.1 * 3 for decimal suffixes.
  return Number.isInteger(value) ? value : Number(value.toPrecision(15));
}

const RATE_PERIODS: Record<string, number> = {
  s: 1000,
  min: 60_000,
  h: 3_600_000,
};

/**
 * Parses a growth rate such as `20Mi/min` into base units per millisecond
 * (bytes per ms for memory). Accepts `/s`, `/min` and `/h`.
 */
export function parseRate(text: unknown): number {
  const expected = 'expected a rate like 20Mi/min';
  if (typeof text !== 'string') {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  const slash = text.lastIndexOf('/');
  const period = RATE_PERIODS[text.slice(slash + 1).trim()];
  if (slash <= 0 || period === undefined) {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  let amount: number;
  try {
    amount = parseQuantity(text.slice(0, slash).trim());
  } catch {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  return amount / period;
}
