import { createTestDatabases } from '../../__testUtils__/databases';
import { IncidentStore } from '../../store/IncidentStore';
import {
  dayOf,
  InMemoryTokenBudget,
  KnexTokenBudget,
  MODEL_USAGE_TABLE,
  TokenBudget,
} from './budget';
import type { ModelUsage } from './types';

const { databases, ids } = createTestDatabases();

jest.setTimeout(60_000);

const limits = { maxTokensPerIncident: 1000, maxTokensPerDay: 2500 };
const usage = (inputTokens: number, outputTokens: number): ModelUsage => ({
  provider: 'openai',
  model: 'gpt-test',
  inputTokens,
  outputTokens,
});
const DAY1 = Date.parse('2025-03-04T12:00:00Z');
const DAY2 = Date.parse('2025-03-05T00:00:00Z');

/** The behaviour every budget shares. */
async function exerciseBudget(budget: TokenBudget) {
  expect(await budget.remaining('a', DAY1)).toEqual({
    incident: 1000,
    day: 2500,
  });
  await budget.record('a', DAY1, usage(600, 100));
  expect(await budget.remaining('a', DAY1)).toEqual({
    incident: 300,
    day: 1800,
  });
  await budget.record('a', DAY1 + 1000, usage(400, 100));
  // Spent, never negative.
  expect(await budget.remaining('a', DAY1)).toEqual({
    incident: 0,
    day: 1300,
  });
  await budget.record('b', DAY1, usage(900, 100));
  await budget.record('c', DAY1, usage(250, 50));
  expect(await budget.remaining('d', DAY1)).toEqual({
    incident: 1000,
    day: 0,
  });
  // The day rolls over with the clock; the incident's spending does not.
  expect(await budget.remaining('d', DAY2)).toEqual({
    incident: 1000,
    day: 2500,
  });
  expect(await budget.remaining('a', DAY2)).toEqual({
    incident: 0,
    day: 2500,
  });
}

describe('dayOf', () => {
  it('is the UTC date of the clock', () => {
    expect(dayOf(Date.parse('2025-03-04T23:59:59.999Z'))).toBe('2025-03-04');
    expect(dayOf(Date.parse('2025-03-05T00:00:00Z'))).toBe('2025-03-05');
  });
});

describe('InMemoryTokenBudget', () => {
  it('accounts per incident and per day', async () => {
    await expect(
      exerciseBudget(new InMemoryTokenBudget(limits)),
    ).resolves.toBeUndefined();
  });
});

describe.each(ids.map(id => [id]))('KnexTokenBudget on %s', databaseId => {
  async function migrated() {
    const knex = await databases.init(databaseId);
    await IncidentStore.migrate(knex);
    return knex;
  }

  it('runs its migration up and down', async () => {
    const knex = await migrated();
    expect(await knex.schema.hasTable(MODEL_USAGE_TABLE)).toBe(true);
    await IncidentStore.rollbackAll(knex);
    expect(await knex.schema.hasTable(MODEL_USAGE_TABLE)).toBe(false);
  });

  it('accounts per incident and per day', async () => {
    const knex = await migrated();
    await expect(
      exerciseBudget(new KnexTokenBudget(knex, limits)),
    ).resolves.toBeUndefined();
  });

  it('records each call as a row', async () => {
    const knex = await migrated();
    const budget = new KnexTokenBudget(knex, limits);
    await budget.record('inc-1', DAY1, usage(120.4, 30));
    expect(await knex(MODEL_USAGE_TABLE).select()).toEqual([
      expect.objectContaining({
        incident_id: 'inc-1',
        day: '2025-03-04',
        provider: 'openai',
        model: 'gpt-test',
        input_tokens: 120,
        output_tokens: 30,
      }),
    ]);
    const [row] = await knex(MODEL_USAGE_TABLE).select('at');
    expect(Number(row.at)).toBe(DAY1);
  });

  it('is shared by budgets on the same database (replicas)', async () => {
    const knex = await migrated();
    await new KnexTokenBudget(knex, limits).record('a', DAY1, usage(500, 0));
    expect(
      await new KnexTokenBudget(knex, limits).remaining('a', DAY1),
    ).toEqual({ incident: 500, day: 2000 });
  });
});
