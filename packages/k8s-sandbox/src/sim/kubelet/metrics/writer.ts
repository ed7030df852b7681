/**
 * Prometheus text exposition format 0.0.4, every sample stamped with the
 * given time in ms.
 */
export type Labels = Record<string, string | number | undefined>;

interface Family {
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  lines: string[];
}

function escapeLabel(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/"/g, '\\"');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : '-Inf';
  }
  return String(value);
}

/** `label_<name>` with invalid characters replaced, as kube-state-metrics. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

export class ExpositionWriter {
  private readonly families = new Map<string, Family>();

  private readonly timestamp: number;

  /**
   * Sample timestamps are whole milliseconds, as the text format requires:
   * a virtual clock at wall speed sits between milliseconds, and Prometheus
   * rejects a whole scrape with a fractional timestamp.
   */
  constructor(timestamp: number) {
    this.timestamp = Math.round(timestamp);
  }

  family(name: string, type: Family['type'], help: string): void {
    if (!this.families.has(name)) {
      this.families.set(name, { help, type, lines: [] });
    }
  }

  /** A sample of family `family` (its name may carry `_bucket` etc.). */
  sample(family: string, labels: Labels, value: number, name = family): void {
    const f = this.families.get(family);
    if (!f) {
      throw new Error(`unknown metric family ${family}`);
    }
    const parts: string[] = [];
    for (const [key, v] of Object.entries(labels)) {
      if (v !== undefined) {
        parts.push(`${key}="${escapeLabel(String(v))}"`);
      }
    }
    const labelText = parts.length ? `{${parts.join(',')}}` : '';
    f.lines.push(`${name}${labelText} ${formatValue(value)} ${this.timestamp}`);
  }

  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`);
      out.push(`# TYPE ${name} ${f.type}`);
      out.push(...f.lines);
    }
    return `${out.join('\n')}\n`;
  }
}
