/**
 * reasoning.workflow_p95: milliseconds for one new incident through the
 * whole incident workflow, no model: `IncidentEngine.evaluate` of one new
 * signal group (grouping, the detection agent, the incident row opened,
 * root cause, enrich without a model, fix plan, policy, the analysis
 * recorded, the thread interrupted to wait for approval, the agent trace
 * written), its LangGraph thread checkpointed by the KnexCheckpointSaver,
 * everything on in-memory SQLite (`createStandaloneEngine`, as `yarn eval`
 * runs it). Each run: 200 incidents, each its own group on its own cluster
 * (so each evaluation is one new group and nothing else), drawn with a seed
 * from the hand-built cases of `reasoning/rules/cases.ts` that wait for an
 * approval (bad deploys, config, OOMs, nodes, storage, ...), each renamed
 * to its own workloads, namespace and nodes. p95 of the 200.
 *
 * Baseline, persisting the same rows alone: after the run, every row the
 * run wrote for an incident (its incident and entity rows, trace rows,
 * checkpoint, checkpoint blob and checkpoint write rows) is copied out and
 * written again under a fresh id, with knex, into a fresh database of the
 * same kind (in-memory SQLite, the plugin's migrations), in the statements
 * the engine needs at the least: the incident inserted as opened, updated
 * with its analysis (entity rows replaced) and with its thread state, one
 * insert per trace row, per checkpoint and per task's writes, blobs 100
 * rows per insert. p95 per incident of the 200.
 */
import type { Knex } from 'knex';
import { openMemoryDatabase } from '../plugins/ai-sre-backend/src/reasoning/standalone';
import type { Benchmark } from './harness';
import {
  IncidentInput,
  incidentCases,
  incidentInputs,
  newEngine,
  percentile,
  threadStates,
} from './reasoning.fixtures';

const INCIDENTS = 200;

let cases: number[] = [];
let nextK = 0;

type Row = Record<string, unknown>;

interface Written {
  incident: Row;
  entities: Row[];
  traces: Row[];
  checkpoints: Row[];
  blobs: Row[];
  writes: Row[];
}

/** Every row the run wrote for each incident. */
async function rowsOf(knex: Knex): Promise<Written[]> {
  const incidents: Row[] = await knex('ai_sre_incidents').orderBy('id');
  const out: Written[] = [];
  for (const incident of incidents) {
    const id = incident.id as string;
    out.push({
      incident,
      entities: await knex('ai_sre_incident_entities').where({
        incident_id: id,
      }),
      traces: await knex('ai_sre_agent_traces')
        .where({ incident_id: id })
        .orderBy('id'),
      checkpoints: await knex('ai_sre_checkpoints')
        .where({ thread_id: id })
        .orderBy('checkpoint_id'),
      blobs: await knex('ai_sre_checkpoint_blobs').where({ thread_id: id }),
      writes: await knex('ai_sre_checkpoint_writes').where({ thread_id: id }),
    });
  }
  return out;
}

/** Writes one incident's rows under `id`, as few statements as the engine's. */
async function persist(knex: Knex, rows: Written, id: string): Promise<void> {
  const thread = (row: Row) => ({ ...row, thread_id: id });
  const { incident } = rows;
  await knex('ai_sre_incidents').insert({
    ...incident,
    id,
    // As opened: the analysis comes with the next update.
    category: null,
    analysis: '{}',
    thread_state: 'running',
  });
  const entities = rows.entities.map(row => ({ ...row, incident_id: id }));
  if (entities.length) await knex('ai_sre_incident_entities').insert(entities);
  await knex('ai_sre_incidents').where({ id }).update({
    title: incident.title,
    summary: incident.summary,
    entity_ref: incident.entity_ref,
    impacted_entity_refs: incident.impacted_entity_refs,
    owner_ref: incident.owner_ref,
    system_ref: incident.system_ref,
    category: incident.category,
    analysis: incident.analysis,
    updated_at: incident.updated_at,
  });
  await knex('ai_sre_incident_entities').where({ incident_id: id }).delete();
  if (entities.length) await knex('ai_sre_incident_entities').insert(entities);
  await knex('ai_sre_incidents')
    .where({ id })
    .update({ thread_state: incident.thread_state });
  for (const trace of rows.traces) {
    const { id: _serial, ...row } = trace;
    await knex('ai_sre_agent_traces').insert({ ...row, incident_id: id });
  }
  for (let i = 0; i < rows.blobs.length; i += 100) {
    await knex('ai_sre_checkpoint_blobs').insert(
      rows.blobs.slice(i, i + 100).map(thread),
    );
  }
  for (const checkpoint of rows.checkpoints) {
    await knex('ai_sre_checkpoints').insert(thread(checkpoint));
  }
  const byTask = new Map<string, Row[]>();
  for (const write of rows.writes) {
    const key = `${write.checkpoint_id}|${write.task_id}`;
    byTask.set(key, [...(byTask.get(key) ?? []), thread(write)]);
  }
  for (const writes of byTask.values()) {
    await knex('ai_sre_checkpoint_writes').insert(writes);
  }
}

export const reasoningWorkflowP95: Benchmark = {
  name: 'reasoning.workflow_p95',
  unit: 'ms',
  goal: 'ratio <= 3',
  better: 'lower',
  runs: 5,
  warmups: 1,
  async setup() {
    cases = await incidentCases('awaiting-approval');
  },
  async measure() {
    const inputs: IncidentInput[] = incidentInputs(
      cases,
      INCIDENTS,
      nextK + 17,
      nextK,
      k => `cluster-${k}`,
    );
    nextK += INCIDENTS;
    const standalone = await newEngine();
    const times: number[] = [];
    for (const input of inputs) {
      const start = performance.now();
      await standalone.engine.evaluate(
        input.cluster,
        input.signals,
        input.context,
      );
      times.push(performance.now() - start);
    }
    const states = await threadStates(standalone.knex);
    if (states['awaiting-approval'] !== INCIDENTS) {
      throw new Error(
        `Expected ${INCIDENTS} incidents waiting for approval, got ${JSON.stringify(
          states,
        )}`,
      );
    }
    const written = await rowsOf(standalone.knex);
    await standalone.close();

    const knex = await openMemoryDatabase();
    const baseline: number[] = [];
    for (const rows of written) {
      const id = `${rows.incident.id}-copy`;
      const start = performance.now();
      await persist(knex, rows, id);
      baseline.push(performance.now() - start);
    }
    await knex.destroy();

    const perIncident = (key: keyof Written) =>
      (
        written.reduce(
          (sum, w) =>
            sum + (Array.isArray(w[key]) ? (w[key] as Row[]).length : 1),
          0,
        ) / written.length
      ).toFixed(1);
    const note = `p50 ${percentile(times, 0.5).toFixed(
      2,
    )} ms (baseline ${percentile(baseline, 0.5).toFixed(
      2,
    )} ms); rows per incident: ${perIncident(
      'checkpoints',
    )} checkpoints, ${perIncident('blobs')} blobs, ${perIncident(
      'writes',
    )} writes, ${perIncident('traces')} traces`;
    // eslint-disable-next-line no-console
    console.error(
      `  p95 ${percentile(times, 0.95).toFixed(
        2,
      )} ms, ${note}, baseline p95 ${percentile(baseline, 0.95).toFixed(2)} ms`,
    );
    return {
      value: percentile(times, 0.95),
      baseline: {
        name: 'persisting the same rows alone',
        value: percentile(baseline, 0.95),
      },
      note,
    };
  },
};
