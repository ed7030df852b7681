/**
 * reasoning.incidents_per_s: new incidents opened per second, sustained,
 * with checkpoints. One cluster, one engine (`createStandaloneEngine`:
 * the LangGraph workflow with no model, the KnexCheckpointSaver, incidents
 * and traces on in-memory SQLite), fed 500 new problems per run as they
 * would arrive: in evaluations of 20 to 50 new signal groups each (seeded
 * sizes), each evaluation carrying the groups' signals and the union of
 * their changes and dependencies. The problems are the hand-built cases of
 * `reasoning/rules/cases.ts` that open exactly one incident when evaluated
 * alone (22 of the 27 today; the others are noise on their own or split
 * into two groups), drawn with a seed and each renamed to its own
 * workloads, namespace and nodes. Incidents of earlier evaluations stay
 * open (the clock does not move), so later evaluations match their groups
 * against up to 500 known incidents, as a busy cluster would. Value:
 * incidents in the database at the end / wall seconds of the evaluations.
 * No baseline (BENCHMARKS.md).
 */
import type { Signal } from '@internal/plugin-ai-sre-common';
import type { Benchmark } from './harness';
import type { ReasoningContext } from '../plugins/ai-sre-backend/src/reasoning/types';
import {
  incidentCases,
  incidentInputs,
  newEngine,
  NOW,
  threadStates,
} from './reasoning.fixtures';
import { prng } from './telemetry.fixtures';

const INCIDENTS = 500;
const CLUSTER = 'prod';

let cases: number[] = [];
let nextK = 1_000;

interface Evaluation {
  signals: Signal[];
  context: ReasoningContext;
}

/** The run's 500 problems, in evaluations of 20 to 50 groups. */
function evaluations(seed: number, firstK: number): Evaluation[] {
  const inputs = incidentInputs(cases, INCIDENTS, seed, firstK, () => CLUSTER);
  const random = prng(seed + 1);
  const out: Evaluation[] = [];
  for (let i = 0; i < inputs.length; ) {
    const size = 20 + Math.floor(random() * 31);
    const batch = inputs.slice(i, i + size);
    i += size;
    out.push({
      signals: batch.flatMap(input => input.signals),
      context: {
        now: NOW,
        changes: batch.flatMap(input => input.context.changes),
        dependencies: batch.flatMap(input => input.context.dependencies),
        entities: {},
      },
    });
  }
  return out;
}

export const reasoningIncidentsPerS: Benchmark = {
  name: 'reasoning.incidents_per_s',
  unit: 'incidents/s',
  goal: '>= 100',
  better: 'higher',
  runs: 5,
  warmups: 1,
  async setup() {
    cases = await incidentCases();
  },
  async measure() {
    const batches = evaluations(nextK + 5, nextK);
    nextK += INCIDENTS;
    const standalone = await newEngine();
    const start = performance.now();
    for (const batch of batches) {
      await standalone.engine.evaluate(CLUSTER, batch.signals, batch.context);
    }
    const seconds = (performance.now() - start) / 1000;
    const states = await threadStates(standalone.knex);
    await standalone.close();
    const opened = Object.values(states).reduce((a, b) => a + b, 0);
    if (opened !== INCIDENTS) {
      throw new Error(
        `Expected ${INCIDENTS} incidents, got ${JSON.stringify(states)}`,
      );
    }
    const note = `${opened} incidents in ${
      batches.length
    } evaluations, ${seconds.toFixed(2)} s (${Object.entries(states)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ')})`;
    // eslint-disable-next-line no-console
    console.error(`  ${(opened / seconds).toFixed(1)} incidents/s: ${note}`);
    return { value: opened / seconds, baseline: null, note };
  },
};
