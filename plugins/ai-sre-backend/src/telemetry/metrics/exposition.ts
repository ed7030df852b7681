/**
 * A reader of the Prometheus text exposition format (0.0.4) that keeps
 * each sample's own timestamp: rates on a virtual clock must come from the
 * times the samples carry, not from when they were read. (The usual parser
 * packages drop timestamps, hence this small one.)
 */

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Epoch ms, when the sample carries one. */
  timestamp?: number;
}

/** A line of the exposition that does not follow the format. */
export class ExpositionError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+(?:\.\d+)?$/;

/** A sample value: a Go float, `+Inf`, `-Inf` or `NaN` (any case). */
function parseValue(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  switch (text.toLowerCase()) {
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
      return NaN;
    default:
      return FLOAT.test(text) ? Number(text) : undefined;
  }
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * Reads `{name="value",...}` from `text` at `start` (just after `{`);
 * returns the labels and the index after the closing `}`.
 */
function parseLabels(
  text: string,
  start: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  const skipSpace = () => {
    while (isSpace(text[i])) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) throw new ExpositionError(line, 'unclosed label set');
    if (text[i] === '}') return { labels, end: i + 1 };
    const nameStart = i;
    while (i < text.length && /[a-zA-Z0-9_]/.test(text[i])) i++;
    const name = text.slice(nameStart, i);
    if (!LABEL_NAME.test(name)) {
      throw new ExpositionError(
        line,
        `malformed label name at "${text.slice(nameStart, nameStart + 20)}"`,
      );
    }
    skipSpace();
    if (text[i] !== '=') {
      throw new ExpositionError(line, `expected = after label ${name}`);
    }
    i++;
    skipSpace();
    if (text[i] !== '"') {
      throw new ExpositionError(line, `expected " to open label ${name}`);
    }
    i++;
    let value = '';
    for (;;) {
      if (i >= text.length) {
        throw new ExpositionError(line, `unterminated value of label ${name}`);
      }
      const c = text[i];
      if (c === '"') {
        i++;
        break;
      }
      if (c === '\\' && i + 1 < text.length) {
        const next = text[i + 1];
        // The format escapes \\, \" and \n; other escapes stay as written.
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else value += c + next;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    if (name in labels) {
      throw new ExpositionError(line, `duplicate label ${name}`);
    }
    labels[name] = value;
    skipSpace();
    if (text[i] === ',') {
      i++;
    } else if (text[i] !== '}') {
      throw new ExpositionError(
        line,
        `expected , or } after the value of label ${name}`,
      );
    }
  }
}

/**
 * Parses exposition text into samples (comments and blank lines skipped).
 * Throws an {@link ExpositionError} naming the line of a malformed sample.
 */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    const number = index + 1;
    if (!line || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i])) i++;
    const name = line.slice(0, i);
    if (!METRIC_NAME.test(name)) {
      throw new ExpositionError(
        number,
        `malformed metric name at "${line.slice(0, 40)}"`,
      );
    }
    let labels: Record<string, string> = {};
    if (i < line.length && !isSpace(line[i]) && line[i] !== '{') {
      throw new ExpositionError(
        number,
        `unexpected "${line[i]}" after metric name ${name}`,
      );
    }
    while (isSpace(line[i])) i++;
    if (line[i] === '{') {
      const parsed = parseLabels(line, i + 1, number);
      labels = parsed.labels;
      i = parsed.end;
      if (i < line.length && !isSpace(line[i])) {
        throw new ExpositionError(
          number,
          `unexpected "${line[i]}" after the label set`,
        );
      }
    }
    const fields = line
      .slice(i)
      .trim()
      .split(/[ \t]+/);
    if (fields.length > 2 || fields[0] === '') {
      throw new ExpositionError(
        number,
        fields[0] === ''
          ? `missing value of ${name}`
          : `unexpected "${fields.slice(2).join(' ')}" after the timestamp`,
      );
    }
    const [valueText, timestampText] = fields;
    const value = parseValue(valueText);
    if (value === undefined) {
      throw new ExpositionError(number, `malformed value "${valueText}"`);
    }
    const sample: ExpositionSample = { name, labels, value };
    if (timestampText !== undefined) {
      if (!TIMESTAMP.test(timestampText)) {
        throw new ExpositionError(
          number,
          `malformed timestamp "${timestampText}"`,
        );
      }
      sample.timestamp = Number(timestampText);
    }
    samples.push(sample);
  }
  return samples;
}
