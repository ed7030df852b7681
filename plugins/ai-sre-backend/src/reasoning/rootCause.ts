/**
 * Root-cause ranking: deterministic Kubernetes causal reasoning over a
 * group of signals, the changes before them and the dependency graph.
 *
 * 1. Every rule in `rules/rules.ts` proposes candidates (category,
 *    culprit, score, evidence).
 * 2. Across services: a symptomatic workload whose own dependency is
 *    symptomatic is a caller; the dependency at the bottom of the chain is
 *    the root. Roots with affected callers get a dependency-failure
 *    candidate; the callers' own candidates are discounted.
 * 3. The more specific wins: the generic bad-deploy of a workload yields to
 *    a well-supported specific explanation of the same workload.
 * 4. Duplicates merge; scores become confidences that sum to at most 1.
 */
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import {
  Facts,
  parseRefKey,
  refKey,
  Subject,
  WORKLOAD_KINDS,
} from './rules/facts';
import { Candidate, RULES } from './rules/rules';
import type { Hypothesis, ReasoningContext, SignalGroup } from './types';

const MAX_HYPOTHESES = 6;

/** Symptomatic workloads that `subject` calls, directly or through others. */
function failingDependencies(facts: Facts, subject: Subject): Subject[] {
  const seen = new Set<string>([subject.key]);
  const out: Subject[] = [];
  const queue = [subject.ref];
  while (queue.length) {
    const current = queue.shift()!;
    for (const dep of facts.dependenciesOf(current)) {
      const key = refKey(dep);
      if (seen.has(key)) continue;
      seen.add(key);
      queue.push(dep);
      const failing = facts.subjectOf(dep);
      if (failing) out.push(failing);
    }
  }
  return out;
}

/** Symptomatic workloads that call `subject`, directly or through others. */
function affectedCallers(facts: Facts, subject: Subject): Subject[] {
  const seen = new Set<string>([subject.key]);
  const out: Subject[] = [];
  const queue = [subject.ref];
  while (queue.length) {
    const current = queue.shift()!;
    for (const caller of facts.callersOf(current)) {
      const key = refKey(caller);
      if (seen.has(key)) continue;
      seen.add(key);
      queue.push(caller);
      const affected = facts.subjectOf(caller);
      if (affected) out.push(affected);
    }
  }
  return out;
}

/**
 * A dependency that stopped serving explains its callers' errors: the
 * root of the cascade (a symptomatic workload none of whose dependencies
 * is symptomatic) is the culprit, and the incident belongs to it.
 */
function cascade(facts: Facts, candidates: Candidate[]): Candidate[] {
  const out = [...candidates];
  const callers = new Set<string>();
  for (const subject of facts.workloads()) {
    if (failingDependencies(facts, subject).length) {
      callers.add(subject.key);
      continue;
    }
    const affected = affectedCallers(facts, subject);
    if (!affected.length) continue;
    const own = candidates.filter(
      c => c.subject === subject.key && c.ownChange && c.score >= 0.8,
    );
    const first = [...subject.signals].sort(
      (a, b) => Date.parse(a.firstSeen) - Date.parse(b.firstSeen),
    )[0];
    const score = Math.min(0.84, 0.6 + 0.07 * affected.length);
    out.push({
      category: 'dependency-failure',
      object: subject.ref,
      score: own.length ? score * 0.7 : score,
      subject: subject.key,
      summary: `${formatObjectRef(subject.ref)} stopped serving (${
        first.message
      }); its callers ${affected
        .map(a => a.ref.name)
        .join(', ')} show the consequences`,
      signalIds: [subject, ...affected].flatMap(s => s.signals.map(x => x.id)),
      changeIds: [],
      facts: [
        `first symptom of ${subject.ref.name}: ${first.message} at ${first.firstSeen}`,
        ...affected.map(
          a =>
            `${a.ref.name} depends on it (${
              facts.context.dependencies.find(l => refKey(l.from) === a.key)
                ?.evidence ?? 'dependency link'
            }) and shows ${[...new Set(a.signals.map(s => s.detector))].join(
              ', ',
            )}`,
        ),
      ],
    });
  }
  // A caller's own symptoms are consequences, unless its own change explains them.
  return out.map(c =>
    c.subject && callers.has(c.subject) && c.category !== 'dependency-failure'
      ? { ...c, score: c.score * (c.ownChange ? 0.8 : 0.45) }
      : c,
  );
}

/** A specific explanation of a workload beats the generic bad-deploy of it. */
function specificWins(candidates: Candidate[]): Candidate[] {
  const specific = new Set(
    candidates
      .filter(c => c.category !== 'bad-deploy' && c.score >= 0.7 && c.subject)
      .map(c => c.subject!),
  );
  return candidates.map(c =>
    c.category === 'bad-deploy' && c.subject && specific.has(c.subject)
      ? { ...c, score: c.score * 0.6 }
      : c,
  );
}

function merge(candidates: Candidate[]): Candidate[] {
  const byKey = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = `${c.category}|${c.object ? formatObjectRef(c.object) : ''}`;
    const existing = byKey.get(key);
    if (!existing) {
      byKey.set(key, { ...c });
      continue;
    }
    const best = c.score > existing.score ? c : existing;
    byKey.set(key, {
      ...best,
      signalIds: [...new Set([...existing.signalIds, ...c.signalIds])],
      changeIds: [...new Set([...existing.changeIds, ...c.changeIds])],
      facts: [...new Set([...best.facts, ...existing.facts, ...c.facts])],
    });
  }
  return [...byKey.values()];
}

function entityFor(facts: Facts, c: Candidate): string | null {
  if (c.object && WORKLOAD_KINDS.includes(c.object.kind)) {
    const own = facts.entityOf(c.object);
    if (own) return own;
  }
  if (c.entityRef) return c.entityRef;
  if (c.subject) {
    const subject = facts.entityOf(parseRefKey(c.subject));
    if (subject) return subject;
  }
  return facts.mostAffectedEntity();
}

/**
 * Ranks the explanations of a signal group, best first. Confidences are in
 * 0..1 and sum to at most 1. Empty when no rule applies.
 */
export function rankRootCauses(
  group: SignalGroup,
  context: ReasoningContext,
): Hypothesis[] {
  const facts = new Facts(group, context);
  let candidates = RULES.flatMap(rule => rule.apply(facts));
  candidates = cascade(facts, candidates);
  candidates = specificWins(candidates);
  const ranked = merge(candidates)
    .filter(c => c.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_HYPOTHESES);
  // Squared scores sharpen the ranking; normalised so they sum to <= 1.
  const total = Math.max(
    1,
    ranked.reduce((sum, c) => sum + c.score ** 2, 0),
  );
  return ranked.map(c => ({
    category: c.category,
    object: c.object,
    entityRef: entityFor(facts, c),
    confidence: Math.floor((c.score ** 2 / total) * 1000) / 1000,
    summary: c.summary,
    evidence: {
      signalIds: [...new Set(c.signalIds)],
      changeIds: [...new Set(c.changeIds)],
      facts: c.facts.filter(Boolean),
    },
  }));
}
