/**
 * Suppression rules and maintenance windows: the detection agent records
 * the signals they cover but opens no incident and notifies no one.
 * Pure functions of the configuration and an injected `now` (epoch ms).
 */
import type { Signal } from '@internal/plugin-ai-sre-common';
import type { SignalGroup } from '../reasoning/types';
import {
  minutesOfDay,
  type MaintenanceWindow,
  type PolicyConfig,
  type SuppressionRule,
} from './config';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Why something is or is not silenced. */
export interface SuppressionResult {
  suppressed: boolean;
  reason?: string;
}

/** `Component:web` and `component:default/web` compare equal. */
export function normalizeEntityRef(ref: string): string {
  const lower = ref.trim().toLowerCase();
  const match = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(lower);
  if (!match) return lower;
  return `${match[1]}:${match[2] ?? 'default'}/${match[3]}`;
}

/** An exact name, `*`, or a prefix ending in `*` (`team-*`). */
export function matchesPattern(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/** What a signal or group is about, for matching rules. */
interface Subject {
  detectors: string[];
  entityRefs: string[];
  namespaces: string[];
  clusters: string[];
}

function subjectOfSignal(signal: Signal): Subject {
  const namespace = signal.object.namespace ?? signal.workload.namespace;
  return {
    detectors: [signal.detector],
    entityRefs: signal.entityRefs.map(normalizeEntityRef),
    namespaces: namespace ? [namespace] : [],
    clusters: [signal.cluster],
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The window's occurrence that contains `now`, as `[start, end)` epoch ms,
 * or undefined when the window is not open at `now`.
 */
export function activeOccurrence(
  window: MaintenanceWindow,
  now: number,
): { start: number; end: number } | undefined {
  if (window.start !== undefined && window.end !== undefined) {
    const start = Date.parse(window.start);
    const end = Date.parse(window.end);
    return now >= start && now < end ? { start, end } : undefined;
  }
  if (!window.weekly) return undefined;
  const from = minutesOfDay(window.weekly.from);
  let to = minutesOfDay(window.weekly.to);
  if (to <= from) to += 24 * 60; // ends the next day
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  // An occurrence that started yesterday may still be open today.
  for (const dayStart of [midnight, midnight - DAY_MS]) {
    const day = WEEKDAY_NAMES[new Date(dayStart).getUTCDay()];
    if (!window.weekly.days.includes(day as any)) continue;
    const start = dayStart + from * 60_000;
    const end = dayStart + to * 60_000;
    if (now >= start && now < end) return { start, end };
  }
  return undefined;
}

function describeWindow(window: MaintenanceWindow, index: number): string {
  const name = window.name
    ? `"${window.name}"`
    : `aiSre.policy.maintenanceWindows[${index}]`;
  return `maintenance window ${name}`;
}

function windowScope(
  window: MaintenanceWindow,
  subject: Subject,
): string | undefined {
  if (
    window.clusters?.length &&
    !subject.clusters.some(c => window.clusters!.includes(c))
  ) {
    return undefined;
  }
  const entity = (window.entityRefs ?? [])
    .map(normalizeEntityRef)
    .find(ref => subject.entityRefs.includes(ref));
  if (entity) return `entity ${entity}`;
  const pattern = (window.namespaces ?? []).find(p =>
    subject.namespaces.some(ns => matchesPattern(p, ns)),
  );
  if (pattern) {
    return pattern === '*'
      ? 'every namespace'
      : `namespace ${
          subject.namespaces.find(ns => matchesPattern(pattern, ns)) ?? pattern
        }`;
  }
  return undefined;
}

/** The first open maintenance window covering the subject. */
function inMaintenance(
  subject: Subject,
  config: PolicyConfig,
  now: number,
): string | undefined {
  for (const [index, window] of config.maintenanceWindows.entries()) {
    const scope = windowScope(window, subject);
    if (!scope) continue;
    const open = activeOccurrence(window, now);
    if (!open) continue;
    return `${describeWindow(window, index)} covers ${scope} from ${iso(
      open.start,
    )} to ${iso(open.end)}${window.reason ? ` (${window.reason})` : ''}`;
  }
  return undefined;
}

function ruleMatches(
  rule: SuppressionRule,
  subject: Subject,
  now: number,
): boolean {
  if (rule.until !== undefined && now >= Date.parse(rule.until)) return false;
  if (rule.detector !== undefined && !subject.detectors.includes(rule.detector))
    return false;
  if (
    rule.entityRef !== undefined &&
    !subject.entityRefs.includes(normalizeEntityRef(rule.entityRef))
  )
    return false;
  if (
    rule.namespace !== undefined &&
    !subject.namespaces.some(ns => matchesPattern(rule.namespace!, ns))
  )
    return false;
  if (rule.cluster !== undefined && !subject.clusters.includes(rule.cluster))
    return false;
  return true;
}

function describeRule(rule: SuppressionRule, index: number): string {
  const parts = [
    rule.detector !== undefined ? `detector ${rule.detector}` : undefined,
    rule.entityRef !== undefined ? `entity ${rule.entityRef}` : undefined,
    rule.namespace !== undefined ? `namespace ${rule.namespace}` : undefined,
    rule.cluster !== undefined ? `cluster ${rule.cluster}` : undefined,
  ].filter(Boolean);
  return `suppression rule aiSre.policy.suppressions[${index}] (${parts.join(
    ', ',
  )}${rule.until ? `, until ${rule.until}` : ''})${
    rule.reason ? `: ${rule.reason}` : ''
  }`;
}

function suppressedSubject(
  subject: Subject,
  config: PolicyConfig,
  now: number,
): SuppressionResult {
  for (const [index, rule] of config.suppressions.entries()) {
    if (ruleMatches(rule, subject, now)) {
      return { suppressed: true, reason: describeRule(rule, index) };
    }
  }
  const window = inMaintenance(subject, config, now);
  if (window) return { suppressed: true, reason: window };
  return { suppressed: false };
}

function isGroup(x: Signal | SignalGroup): x is SignalGroup {
  return Array.isArray((x as SignalGroup).signals);
}

/**
 * Whether a signal, or a whole group, is silenced by a suppression rule or
 * an open maintenance window at `now`. A group is silenced only when every
 * one of its signals is (an entity in maintenance does not hide the
 * symptoms of another); a group without signals is judged by its entities.
 */
export function suppressed(
  target: Signal | SignalGroup,
  config: PolicyConfig,
  now: number,
): SuppressionResult {
  if (!isGroup(target)) {
    const result = suppressedSubject(subjectOfSignal(target), config, now);
    return result.suppressed
      ? {
          suppressed: true,
          reason: `Signal ${target.detector} on ${target.object.kind}/${
            target.object.namespace ? `${target.object.namespace}/` : ''
          }${target.object.name} is suppressed by ${result.reason}.`,
        }
      : result;
  }
  if (!target.signals.length) {
    const result = suppressedSubject(
      {
        detectors: [],
        entityRefs: target.entityRefs.map(normalizeEntityRef),
        namespaces: [],
        clusters: [],
      },
      config,
      now,
    );
    return result.suppressed
      ? { suppressed: true, reason: `Suppressed by ${result.reason}.` }
      : result;
  }
  const reasons = new Set<string>();
  for (const signal of target.signals) {
    const result = suppressedSubject(subjectOfSignal(signal), config, now);
    if (!result.suppressed) return { suppressed: false };
    reasons.add(result.reason!);
  }
  const list = [...reasons];
  return {
    suppressed: true,
    reason: `All ${target.signals.length} signal${
      target.signals.length === 1 ? '' : 's'
    } of the group are suppressed: ${list.join('; ')}.`,
  };
}

/**
 * The open maintenance window covering an entity or namespaces at `now`, if
 * any (used by the decision step: no automatic change during planned work).
 */
export function maintenanceWindowFor(
  scope: { entityRefs: string[]; namespaces: string[]; clusters?: string[] },
  config: PolicyConfig,
  now: number,
): string | undefined {
  return inMaintenance(
    {
      detectors: [],
      entityRefs: scope.entityRefs.map(normalizeEntityRef),
      namespaces: scope.namespaces,
      clusters: scope.clusters ?? [],
    },
    config,
    now,
  );
}
