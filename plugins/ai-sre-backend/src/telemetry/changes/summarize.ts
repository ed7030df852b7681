import { diffSegments, jsonEqual, PathSegment } from './diff';
import { RESTARTED_AT } from './project';

/**
 * Plain-word phrases for changes: `image ghcr.io/x/catalog-api:2.4.0 ->
 * 2.5.0`, `memory limit 512Mi -> 160Mi`, `env CARD_KEY now from Secret
 * card-processor-credentials`.
 */

const MAX_TEXT = 80;

function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A value in a few words. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') return value === '' ? '""' : clip(value);
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) {
    if (value.every(v => typeof v !== 'object' || v === null)) {
      return clip(JSON.stringify(value.map(String).join(' ')));
    }
    return clip(JSON.stringify(value));
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.every(([, v]) => typeof v !== 'object' || v === null)) {
    return entries.length
      ? clip(entries.map(([k, v]) => `${k}=${v}`).join(', '))
      : '(none)';
  }
  return clip(JSON.stringify(value));
}

function transition(label: string, before: unknown, after: unknown): string {
  if (before === undefined) return `${label} set to ${show(after)}`;
  if (after === undefined) return `${label} ${show(before)} removed`;
  return `${label} ${show(before)} -> ${show(after)}`;
}

/** `ghcr.io/x/app:2.4.0 -> 2.5.0` when only the tag (or digest) changed. */
export function imageTransition(before?: string, after?: string): string {
  if (!before || !after) return transition('image', before, after);
  const split = (image: string) => {
    const at = image.indexOf('@');
    if (at >= 0) return [image.slice(0, at), image.slice(at)];
    const colon = image.lastIndexOf(':');
    return colon > image.lastIndexOf('/')
      ? [image.slice(0, colon), image.slice(colon + 1)]
      : [image, ''];
  };
  const [repoBefore] = split(before);
  const [repoAfter, tagAfter] = split(after);
  const shown = repoBefore === repoAfter && tagAfter ? tagAfter : after;
  return `image ${before} -> ${shown}`;
}

/** `path[item].key` in words: `port http targetPort`. */
export function words(segments: PathSegment[]): string {
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const next = segments[i + 1];
    if ('key' in segment) {
      if (next && 'item' in next) {
        out.push(segment.key === 'conditions' ? '' : singular(segment.key));
      } else {
        out.push(segment.key);
      }
    } else if ('item' in segment) {
      out.push(segment.item);
    } else {
      out.push(`#${segment.index}`);
    }
  });
  return out.filter(Boolean).join(' ');
}

function singular(key: string): string {
  if (key.endsWith('ies')) return `${key.slice(0, -3)}y`;
  if (key.endsWith('s') && !key.endsWith('ss')) return key.slice(0, -1);
  return key;
}

/** Phrases from diff entries, generically. */
export function genericPhrases(
  before: unknown,
  after: unknown,
  label = '',
): string[] {
  return diffSegments(before, after).map(entry =>
    transition(
      [label, words(entry.segments)].filter(Boolean).join(' '),
      entry.before,
      entry.after,
    ),
  );
}

/** `Secret card-processor-credentials`, `field status.podIP`, ... */
function sourceOf(valueFrom: any, withKey: boolean): string {
  if (valueFrom?.secretKeyRef) {
    const ref = valueFrom.secretKeyRef;
    return `Secret ${ref.name}${withKey ? ` key ${ref.key}` : ''}`;
  }
  if (valueFrom?.configMapKeyRef) {
    const ref = valueFrom.configMapKeyRef;
    return `ConfigMap ${ref.name}${withKey ? ` key ${ref.key}` : ''}`;
  }
  if (valueFrom?.fieldRef) return `field ${valueFrom.fieldRef.fieldPath}`;
  if (valueFrom?.resourceFieldRef) {
    return `resource ${valueFrom.resourceFieldRef.resource}`;
  }
  return show(valueFrom);
}

function envPhrase(before: any, after: any): string | undefined {
  const name = (after ?? before).name;
  if (!before) {
    return after.valueFrom
      ? `env ${name} added from ${sourceOf(after.valueFrom, false)}`
      : `env ${name}=${show(after.value ?? '')} added`;
  }
  if (!after) return `env ${name} removed`;
  if (jsonEqual(before, after)) return undefined;
  if (after.valueFrom && !before.valueFrom) {
    return `env ${name} now from ${sourceOf(after.valueFrom, false)}`;
  }
  if (!after.valueFrom && before.valueFrom) {
    return `env ${name} now set to ${show(
      after.value ?? '',
    )} (was from ${sourceOf(before.valueFrom, false)})`;
  }
  if (after.valueFrom) {
    const short = sourceOf(after.valueFrom, false);
    const withKey = short === sourceOf(before.valueFrom, false);
    return `env ${name} now from ${sourceOf(
      after.valueFrom,
      withKey,
    )} (was ${sourceOf(before.valueFrom, withKey)})`;
  }
  return `env ${name} ${show(before.value ?? '')} -> ${show(
    after.value ?? '',
  )}`;
}

function envFromText(entry: any): string {
  const prefix = entry.prefix ? ` (prefix ${entry.prefix})` : '';
  if (entry.configMapRef)
    return `ConfigMap ${entry.configMapRef.name}${prefix}`;
  if (entry.secretRef) return `Secret ${entry.secretRef.name}${prefix}`;
  return show(entry);
}

function byName(before: any[] = [], after: any[] = []): Array<[any, any]> {
  const b = new Map(before.map(item => [item.name ?? '', item]));
  const a = new Map(after.map(item => [item.name ?? '', item]));
  return [...new Set([...b.keys(), ...a.keys()])].map(key => [
    b.get(key),
    a.get(key),
  ]);
}

const PROBES: Array<[string, string]> = [
  ['readinessProbe', 'readiness probe'],
  ['livenessProbe', 'liveness probe'],
  ['startupProbe', 'startup probe'],
];

function containerPhrases(before: any, after: any, label: string): string[] {
  const lead = label ? `${label} ` : '';
  if (!before) return [`${label || 'container'} added (image ${after.image})`];
  if (!after) return [`${label || 'container'} removed`];
  const out: string[] = [];
  if (before.image !== after.image) {
    out.push(lead + imageTransition(before.image, after.image));
  }
  for (const field of ['command', 'args']) {
    if (!jsonEqual(before[field], after[field])) {
      out.push(lead + transition(field, before[field], after[field]));
    }
  }
  for (const [b, a] of byName(before.env, after.env)) {
    const phrase = envPhrase(b, a);
    if (phrase) out.push(lead + phrase);
  }
  const fromBefore: string[] = (before.envFrom ?? []).map(envFromText);
  const fromAfter: string[] = (after.envFrom ?? []).map(envFromText);
  for (const text of fromAfter.filter(t => !fromBefore.includes(t))) {
    out.push(`${lead}envFrom ${text} added`);
  }
  for (const text of fromBefore.filter(t => !fromAfter.includes(t))) {
    out.push(`${lead}envFrom ${text} removed`);
  }
  for (const [section, word] of [
    ['limits', 'limit'],
    ['requests', 'request'],
  ]) {
    const b = before.resources?.[section] ?? {};
    const a = after.resources?.[section] ?? {};
    for (const resource of [
      ...new Set([...Object.keys(b), ...Object.keys(a)]),
    ]) {
      if (String(b[resource]) === String(a[resource])) continue;
      out.push(
        lead + transition(`${resource} ${word}`, b[resource], a[resource]),
      );
    }
  }
  for (const [field, word] of PROBES) {
    if (jsonEqual(before[field], after[field])) continue;
    if (!before[field]) out.push(`${lead}${word} added`);
    else if (!after[field]) out.push(`${lead}${word} removed`);
    else {
      const details = genericPhrases(before[field], after[field]);
      out.push(
        `${lead}${word} ${details.slice(0, 2).join(', ')}${
          details.length > 2 ? ', ...' : ''
        }`,
      );
    }
  }
  if (!jsonEqual(before.ports, after.ports)) {
    out.push(...genericPhrases(before.ports, after.ports, `${lead}ports`));
  }
  if (before.restartPolicy !== after.restartPolicy) {
    out.push(
      lead +
        transition('restartPolicy', before.restartPolicy, after.restartPolicy),
    );
  }
  return out;
}

function volumeText(volume: any): string {
  if (volume.configMap) return `ConfigMap ${volume.configMap}`;
  if (volume.secret) return `Secret ${volume.secret}`;
  if (volume.persistentVolumeClaim) {
    return `PVC ${volume.persistentVolumeClaim}`;
  }
  if (volume.projected) return `projected ${volume.projected.join(', ')}`;
  return show(volume);
}

/**
 * Phrases for a change of a projected pod template (see projectTemplate).
 * The container named as the workload (or the only one) goes unnamed.
 */
export function templatePhrases(
  workloadName: string,
  before: any,
  after: any,
): string[] {
  const out: string[] = [];
  const restartBefore = before?.metadata?.annotations?.[RESTARTED_AT];
  const restartAfter = after?.metadata?.annotations?.[RESTARTED_AT];
  if (restartAfter && restartAfter !== restartBefore) {
    out.push(`restarted (rollout restart at ${restartAfter})`);
  }
  const b = before?.spec ?? {};
  const a = after?.spec ?? {};
  const single =
    (b.containers?.length ?? 0) <= 1 && (a.containers?.length ?? 0) <= 1;
  for (const [field, word] of [
    ['initContainers', 'init container'],
    ['containers', 'container'],
  ]) {
    for (const [cb, ca] of byName(b[field], a[field])) {
      const name = (ca ?? cb).name;
      const unnamed =
        field === 'containers' &&
        ((single && cb && ca) || name === workloadName);
      out.push(...containerPhrases(cb, ca, unnamed ? '' : `${word} ${name}`));
    }
  }
  for (const field of ['serviceAccountName', 'priorityClassName']) {
    if (b[field] !== a[field]) out.push(transition(field, b[field], a[field]));
  }
  if (!jsonEqual(b.nodeSelector, a.nodeSelector)) {
    out.push(transition('nodeSelector', b.nodeSelector, a.nodeSelector));
  }
  for (const field of [
    'affinity',
    'tolerations',
    'topologySpreadConstraints',
  ]) {
    if (!jsonEqual(b[field], a[field])) out.push(`${field} changed`);
  }
  for (const [vb, va] of byName(b.volumes, a.volumes)) {
    if (jsonEqual(vb, va)) continue;
    const name = (va ?? vb).name;
    if (!vb) out.push(`volume ${name} (${volumeText(va)}) added`);
    else if (!va) out.push(`volume ${name} (${volumeText(vb)}) removed`);
    else {
      out.push(`volume ${name} now ${volumeText(va)} (was ${volumeText(vb)})`);
    }
  }
  return out;
}

/** `subject: a; b; c; and 2 more`. */
export function joinSummary(
  subject: string,
  phrases: string[],
  max = 5,
): string {
  if (!phrases.length) return subject;
  const shown = phrases.slice(0, max);
  const rest = phrases.length - shown.length;
  return `${subject}: ${shown.join('; ')}${
    rest > 0 ? `; and ${rest} more change${rest > 1 ? 's' : ''}` : ''
  }`;
}

/** A ConfigMap key's change in words. */
export function configKeyPhrase(
  key: string,
  before: string | undefined,
  after: string | undefined,
): string {
  const short = (v?: string) =>
    v !== undefined && !v.includes('\n') && v.length <= 60;
  if (before === undefined) {
    return short(after) ? `${key}=${show(after)} added` : `${key} added`;
  }
  if (after === undefined) return `${key} removed`;
  if (short(before) && short(after)) {
    return `${key} ${show(before)} -> ${show(after)}`;
  }
  const lines = (v: string) => v.split('\n');
  const changed = diffLines(lines(before), lines(after));
  return `${key} changed (${changed} line${changed === 1 ? '' : 's'})`;
}

/** How many lines differ, roughly (for multi-line values). */
function diffLines(before: string[], after: string[]): number {
  const remaining = new Map<string, number>();
  for (const line of before) {
    remaining.set(line, (remaining.get(line) ?? 0) + 1);
  }
  let added = 0;
  for (const line of after) {
    const left = remaining.get(line) ?? 0;
    if (left > 0) remaining.set(line, left - 1);
    else added++;
  }
  const removed = [...remaining.values()].reduce((s, n) => s + n, 0);
  return Math.max(added, removed);
}
