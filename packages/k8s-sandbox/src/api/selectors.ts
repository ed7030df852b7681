/**
 * Label and field selectors, parsed once and matched many times.
 */
import { badRequest } from './errors';
import { KubeObject } from './types';

export type Requirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export type Matcher = (obj: KubeObject) => boolean;

const MATCH_ALL: Matcher = () => true;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map(p => p.trim()).filter(p => p.length > 0);
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${key}" in "${selector}"`,
    );
  }
  return key;
}

/** Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k`. */
export function parseLabelSelector(selector: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3]
        .split(',')
        .map(v => v.trim())
        .filter(v => v.length > 0);
      reqs.push({
        key: checkKey(set[1], selector),
        op: set[2] as 'in' | 'notin',
        values,
      });
      continue;
    }
    const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (eq) {
      reqs.push({
        key: checkKey(eq[1], selector),
        op: eq[2] === '!=' ? '!=' : '=',
        value: eq[3].trim(),
      });
      continue;
    }
    if (part.startsWith('!')) {
      reqs.push({
        key: checkKey(part.slice(1).trim(), selector),
        op: '!exists',
      });
      continue;
    }
    reqs.push({ key: checkKey(part, selector), op: 'exists' });
  }
  return reqs;
}

export function matchesRequirements(
  reqs: Requirement[],
  labels: Record<string, string> | undefined,
): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const v = has ? labels![r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
      case '=':
        if (v !== r.value) return false;
        break;
      case '!=':
        if (v === r.value) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function labelMatcher(selector: string | undefined): Matcher {
  if (!selector || !selector.trim()) return MATCH_ALL;
  const reqs = parseLabelSelector(selector);
  return obj => matchesRequirements(reqs, obj.metadata?.labels);
}

/** Reads a dotted path (`involvedObject.name`) as the string a selector sees. */
export function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** Parses `metadata.name=x,spec.nodeName!=y` (`==` accepted). */
export function fieldMatcher(selector: string | undefined): Matcher {
  if (!selector || !selector.trim()) return MATCH_ALL;
  const terms = selector
    .split(',')
    .map(t => t.trim())
    .filter(t => t.length > 0)
    .map(term => {
      const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (!m) {
        throw badRequest(
          `invalid field selector: '${term}': does not contain an operator`,
        );
      }
      return { path: m[1], neg: m[2] === '!=', value: m[3].trim() };
    });
  return obj =>
    terms.every(t => (fieldValue(obj, t.path) === t.value) !== t.neg);
}

/** Combines label and field selector strings into one matcher. */
export function selectorMatcher(
  labelSelector?: string,
  fieldSelector?: string,
): Matcher {
  const l = labelMatcher(labelSelector);
  const f = fieldMatcher(fieldSelector);
  if (l === MATCH_ALL) return f;
  if (f === MATCH_ALL) return l;
  return obj => l(obj) && f(obj);
}

export function isMatchAll(m: Matcher): boolean {
  return m === MATCH_ALL;
}

/** A `metav1.LabelSelector` as found in workload specs. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
    values?: string[];
  }>;
}

export function requirementsOf(sel: LabelSelector | undefined): Requirement[] {
  const reqs: Requirement[] = [];
  if (!sel) return reqs;
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    reqs.push({ key, op: '=', value });
  }
  for (const e of sel.matchExpressions ?? []) {
    const values = e.values ?? [];
    if (e.operator === 'In') reqs.push({ key: e.key, op: 'in', values });
    else if (e.operator === 'NotIn') {
      reqs.push({ key: e.key, op: 'notin', values });
    } else if (e.operator === 'Exists') reqs.push({ key: e.key, op: 'exists' });
    else if (e.operator === 'DoesNotExist') {
      reqs.push({ key: e.key, op: '!exists' });
    }
  }
  return reqs;
}

/**
 * True when `labels` satisfy a LabelSelector object. An empty selector
 * matches everything, an absent one nothing (as for PDBs and Services).
 */
export function matchesLabelSelector(
  sel: LabelSelector | undefined | null,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return false;
  return matchesRequirements(requirementsOf(sel), labels);
}

/** Formats a LabelSelector as the string form (`app=x,tier in (a,b)`). */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  return requirementsOf(sel)
    .map(r => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!exists':
          return `!${r.key}`;
        case '=':
          return `${r.key}=${r.value}`;
        case '!=':
          return `${r.key}!=${r.value}`;
        default:
          return `${r.key} ${r.op} (${r.values.join(',')})`;
      }
    })
    .join(',');
}
