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

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default:
      return Number(text);
  }
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0 || text[eq + 1] !== '"') {
      throw new Error(`line ${line}: malformed label set {${text}}`);
    }
    const name = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\' && j + 1 < text.length) {
        j++;
        value += text[j] === 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= text.length)
      throw new Error(`line ${line}: unterminated label value`);
    labels[name] = value;
    i = j + 1;
  }
  return labels;
}

export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (!line || line.startsWith('#')) continue;
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace);
      const close = line.lastIndexOf('}');
      if (close < brace)
        throw new Error(`line ${index + 1}: unclosed label set`);
      labels = parseLabels(line.slice(brace + 1, close), index + 1);
      rest = line.slice(close + 1).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const [valueText, timestampText] = rest.split(/\s+/);
    const value = parseValue(valueText);
    if (
      valueText === undefined ||
      (Number.isNaN(value) && valueText !== 'NaN')
    ) {
      throw new Error(`line ${index + 1}: malformed value "${valueText}"`);
    }
    samples.push({
      name,
      labels,
      value,
      ...(timestampText ? { timestamp: Number(timestampText) } : {}),
    });
  }
  return samples;
}
