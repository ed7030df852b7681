import {
  deltaChannelHistoryTests,
  validate,
} from '@langchain/langgraph-checkpoint-validation';
import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/databases';
import { IncidentStore } from '../IncidentStore';
import {
  CHECKPOINTS_TABLE,
  CHECKPOINT_BLOBS_TABLE,
  CHECKPOINT_WRITES_TABLE,
  KnexCheckpointSaver,
} from './KnexCheckpointSaver';

// The suite is written for Vitest and uses `expect.soft` in one test; under
// Jest a soft expectation is an ordinary one.
const jestExpect = expect as unknown as { soft?: typeof expect };
jestExpect.soft ??= expect;

const { databases, ids } = createTestDatabases();

jest.setTimeout(60_000);

describe.each(ids.map(id => [id]))('KnexCheckpointSaver on %s', databaseId => {
  let knex: Knex;

  const initializer = {
    checkpointerName: `KnexCheckpointSaver (${databaseId})`,
    beforeAllTimeout: 60_000,
    async beforeAll() {
      knex = await databases.init(databaseId);
      await IncidentStore.migrate(knex);
    },
    // One checkpointer is live at a time; each starts on empty tables.
    async createCheckpointer() {
      await knex(CHECKPOINT_WRITES_TABLE).delete();
      await knex(CHECKPOINT_BLOBS_TABLE).delete();
      await knex(CHECKPOINTS_TABLE).delete();
      return new KnexCheckpointSaver(knex);
    },
  };

  validate(initializer);
  deltaChannelHistoryTests(initializer);
});
