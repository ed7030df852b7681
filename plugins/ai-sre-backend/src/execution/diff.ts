/**
 * The difference between an object as it is and as a change would leave
 * it (the server-side dry-run's answer): what a person approves.
 */

export interface DiffLine {
  /** Dotted path; list items by their `name` when they have one: `spec.template.spec.containers[api].image`. */
  path: string;
  before: unknown;
  after: unknown;
}

/** Fields the server owns: never part of what a change is about. */
const IGNORED = new Set([
  'metadata.resourceVersion',
  'metadata.generation',
  'metadata.managedFields',
  'metadata.creationTimestamp',
  'metadata.uid',
  'status',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function named(list: unknown[]): boolean {
  return (
    list.length > 0 &&
    list.every(item => isObject(item) && typeof item.name === 'string')
  );
}

function normalize(value: unknown): unknown {
  // Typed client objects carry Dates; compare their wire form.
  return value instanceof Date ? value.toISOString() : value;
}

export function diffObjects(
  before: unknown,
  after: unknown,
  path = '',
  out: DiffLine[] = [],
): DiffLine[] {
  if (IGNORED.has(path)) return out;
  const a = normalize(before);
  const b = normalize(after);
  if (isObject(a) && isObject(b)) {
    for (const key of [
      ...new Set([...Object.keys(a), ...Object.keys(b)]),
    ].sort()) {
      diffObjects(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && named(a) && named(b)) {
    const byName = (list: unknown[]) =>
      new Map(list.map(item => [(item as { name: string }).name, item]));
    const left = byName(a);
    const right = byName(b);
    for (const name of [...new Set([...left.keys(), ...right.keys()])]) {
      diffObjects(left.get(name), right.get(name), `${path}[${name}]`, out);
    }
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push({ path, before: a ?? null, after: b ?? null });
  }
  return out;
}
