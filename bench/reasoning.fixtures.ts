/**
 * Shared inputs of the reasoning benchmarks: the hand-built incidents of
 * `reasoning/rules/cases.ts` (one or more per root-cause category, with the
 * signals, changes and dependencies the telemetry would produce), each
 * instance renamed by a seed so that every incident is a different problem:
 * its own workloads, namespace, nodes and (optionally) cluster.
 */
import type { Signal } from '@internal/plugin-ai-sre-common';
import type { Knex } from 'knex';
import { groupSignals } from '../plugins/ai-sre-backend/src/reasoning/grouping';
import { CASES } from '../plugins/ai-sre-backend/src/reasoning/rules/cases';
import { T0 } from '../plugins/ai-sre-backend/src/reasoning/rules/fixtures';
import {
  createStandaloneEngine,
  type StandaloneEngine,
} from '../plugins/ai-sre-backend/src/reasoning/standalone';
import type { ReasoningContext } from '../plugins/ai-sre-backend/src/reasoning/types';
import { prng } from './telemetry.fixtures';

/** The engine's clock in every reasoning benchmark: the cases' `now`. */
export const NOW = T0 + 900_000;

/** One new problem: its signals and what the agents see around them. */
export interface IncidentInput {
  cluster: string;
  category: string;
  signals: Signal[];
  context: ReasoningContext;
}

/** Workload names, namespaces and nodes the cases use. */
const WORKLOADS =
  /\b(catalog-api|web|orders|postgres|metrics-server|nightly-report)\b/g;
const NAMESPACES = /\b(shop|kube-system)\b/g;
const NODES = /\bnode-(b|2)\b/g;

const PREFIXES = [
  'billing',
  'ledger',
  'search',
  'cart',
  'media',
  'auth',
  'inventory',
  'shipping',
  'pricing',
  'reviews',
  'notify',
  'gateway',
];
const SUFFIXES = ['api', 'worker', 'svc', 'db', 'web', 'jobs', 'sync'];
const TEAMS = ['payments', 'catalog', 'checkout', 'search', 'identity'];

/**
 * Case `caseIndex` as instance `k`: the same problem on other workloads
 * (seeded names), in namespace `<team>-<k>`, on nodes suffixed `-<k>`.
 */
export function instance(
  caseIndex: number,
  k: number,
  cluster = 'prod',
): IncidentInput {
  const random = prng(k * 7919 + caseIndex + 1);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const built = CASES[caseIndex].build();
  const names = new Map<string, string>();
  const used = new Set<string>();
  const nameOf = (name: string) => {
    if (!names.has(name)) {
      let renamed: string;
      do {
        renamed = `${pick(PREFIXES)}-${pick(SUFFIXES)}`;
      } while (used.has(renamed));
      used.add(renamed);
      names.set(name, renamed);
    }
    return names.get(name)!;
  };
  const namespace = `${pick(TEAMS)}-${k}`;
  const text = JSON.stringify({
    signals: built.group.signals,
    context: built.context,
  })
    .replace(WORKLOADS, name => nameOf(name))
    .replace(NAMESPACES, () => namespace)
    .replace(NODES, node => `${node}-${k}`)
    .replace(/"cluster":"prod"/g, JSON.stringify({ cluster }).slice(1, -1));
  const { signals, context } = JSON.parse(text) as {
    signals: Signal[];
    context: ReasoningContext;
  };
  return { cluster, category: CASES[caseIndex].category, signals, context };
}

/** A standalone engine on in-memory SQLite, as `yarn eval` runs it. */
export function newEngine(): Promise<StandaloneEngine> {
  return createStandaloneEngine({
    clock: { now: () => NOW },
    entityFacts: ref => ({
      ownerRef: `group:default/team-${ref.length % TEAMS.length}`,
      systemRef: 'system:default/shop',
      lifecycle: 'production',
    }),
  });
}

/** How many incidents there are in each thread state. */
export async function threadStates(
  knex: Knex,
): Promise<Record<string, number>> {
  const rows = (await knex('ai_sre_incidents')
    .select('thread_state')
    .count({ n: '*' })
    .groupBy('thread_state')) as Array<{ thread_state: string; n: unknown }>;
  return Object.fromEntries(rows.map(r => [r.thread_state, Number(r.n)]));
}

/**
 * The cases that are one incident when evaluated alone: their signals form
 * one group and the engine opens exactly one incident for them, with its
 * thread in `threadState` when given (e.g. waiting for approval).
 */
export async function incidentCases(threadState?: string): Promise<number[]> {
  const eligible: number[] = [];
  for (let c = 0; c < CASES.length; c++) {
    const input = instance(c, 1_000_000 + c);
    if (groupSignals(input.signals, input.context).length !== 1) continue;
    const standalone = await newEngine();
    try {
      await standalone.engine.evaluate(
        input.cluster,
        input.signals,
        input.context,
      );
      const states = await threadStates(standalone.knex);
      const total = Object.values(states).reduce((a, b) => a + b, 0);
      if (total === 1 && (!threadState || states[threadState] === 1)) {
        eligible.push(c);
      }
    } finally {
      await standalone.close();
    }
  }
  if (eligible.length === 0) throw new Error('No case opens one incident');
  return eligible;
}

/** `count` seeded incidents drawn from `cases`, numbered from `firstK`. */
export function incidentInputs(
  cases: number[],
  count: number,
  seed: number,
  firstK: number,
  cluster: (k: number) => string,
): IncidentInput[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const c = cases[Math.floor(random() * cases.length)];
    return instance(c, firstK + i, cluster(firstK + i));
  });
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)];
}
