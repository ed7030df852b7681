/**
 * A small structural diff of JSON values with readable paths:
 * `spec.template.spec.containers[catalog-api].image`,
 * `spec.template.spec.containers[catalog-api].env[CACHE_TTL].value`.
 *
 * Lists of objects that all carry a unique `name` (or `type`, as node
 * conditions) are compared item by item by that key; lists of scalars
 * (command, args) are compared whole; other lists index by index when
 * their lengths agree, whole otherwise. Object keys are visited in sorted
 * order and list items in order of first appearance, so the output is
 * stable whatever the key order of the inputs.
 */

/** One difference: `before` or `after` is `undefined` when absent. */
export interface DiffEntry {
  path: string;
  before: unknown;
  after: unknown;
}

/** A step of a path: an object key, a list item by key, or a list index. */
export type PathSegment =
  | { key: string }
  | { item: string; by: string }
  | { index: number };

/** A difference with its path as segments, for summaries. */
export interface SegmentedDiffEntry {
  segments: PathSegment[];
  before: unknown;
  after: unknown;
}

export interface DiffOptions {
  /** Fields that key list items, tried in order (default name, type). */
  itemKeys?: string[];
}

const DEFAULT_ITEM_KEYS = ['name', 'type'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality with JSON semantics (a key set to `undefined` is absent). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keysA = Object.keys(a).filter(k => a[k] !== undefined);
    const keysB = Object.keys(b).filter(k => b[k] !== undefined);
    if (keysA.length !== keysB.length) return false;
    return keysA.every(k => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The key field every item of both lists carries uniquely, if any. */
function itemKeyOf(
  before: unknown[],
  after: unknown[],
  candidates: string[],
): string | undefined {
  if (before.length === 0 && after.length === 0) return undefined;
  const all = [...before, ...after];
  if (!all.every(isPlainObject)) return undefined;
  return candidates.find(field => {
    const unique = (list: unknown[]) => {
      const seen = new Set<string>();
      for (const item of list as Record<string, unknown>[]) {
        const value = item[field];
        if (typeof value !== 'string' || seen.has(value)) return false;
        seen.add(value);
      }
      return true;
    };
    return unique(before) && unique(after);
  });
}

function walk(
  before: unknown,
  after: unknown,
  segments: PathSegment[],
  out: SegmentedDiffEntry[],
  itemKeys: string[],
): void {
  if (jsonEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter(k => before[k] !== undefined || after[k] !== undefined)
      .sort();
    for (const key of keys) {
      walk(before[key], after[key], [...segments, { key }], out, itemKeys);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const by = itemKeyOf(before, after, itemKeys);
    if (by) {
      const index = (list: unknown[]) =>
        new Map(
          (list as Record<string, unknown>[]).map(item => [
            item[by] as string,
            item,
          ]),
        );
      const beforeByKey = index(before);
      const afterByKey = index(after);
      const order = [...new Set([...beforeByKey.keys(), ...afterByKey.keys()])];
      for (const item of order) {
        walk(
          beforeByKey.get(item),
          afterByKey.get(item),
          [...segments, { item, by }],
          out,
          itemKeys,
        );
      }
      return;
    }
    const scalars = [...before, ...after].every(
      item => !isPlainObject(item) && !Array.isArray(item),
    );
    if (!scalars && before.length === after.length) {
      before.forEach((item, index) =>
        walk(item, after[index], [...segments, { index }], out, itemKeys),
      );
      return;
    }
  }
  out.push({ segments, before, after });
}

/** The differences between two JSON values, as path segments. */
export function diffSegments(
  before: unknown,
  after: unknown,
  options: DiffOptions = {},
): SegmentedDiffEntry[] {
  const out: SegmentedDiffEntry[] = [];
  walk(before, after, [], out, options.itemKeys ?? DEFAULT_ITEM_KEYS);
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `a.b[item][0]["key.with.dots"]`. */
export function formatPath(segments: PathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if ('key' in segment) {
      path += IDENTIFIER.test(segment.key)
        ? `${path ? '.' : ''}${segment.key}`
        : `[${JSON.stringify(segment.key)}]`;
    } else if ('item' in segment) {
      path += `[${segment.item}]`;
    } else {
      path += `[${segment.index}]`;
    }
  }
  return path;
}

/** Parses a path (dotted keys only) into segments, for prefixes. */
export function pathSegments(path: string): PathSegment[] {
  return path
    .split('.')
    .filter(Boolean)
    .map(key => ({ key }));
}

/**
 * The differences between two JSON values: `[{ path, before, after }]`,
 * with `prefix` (a dotted path) in front of every path.
 */
export function diffValues(
  before: unknown,
  after: unknown,
  prefix?: string,
  options?: DiffOptions,
): DiffEntry[] {
  const head = prefix ? pathSegments(prefix) : [];
  return diffSegments(before, after, options).map(entry => ({
    path: formatPath([...head, ...entry.segments]),
    before: entry.before,
    after: entry.after,
  }));
}
