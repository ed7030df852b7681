import {
  CheckpointMetadata,
  INTERRUPT,
  emptyCheckpoint,
  uuid6,
} from '@langchain/langgraph-checkpoint';
import { createTestDatabases } from '../../__testUtils__/databases';
import { IncidentStore } from '../IncidentStore';
import {
  CHECKPOINTS_TABLE,
  KnexCheckpointSaver,
  matchesMetadataFilter,
} from './KnexCheckpointSaver';

const { databases, ids } = createTestDatabases();

jest.setTimeout(60_000);

const meta = (extra: object = {}): CheckpointMetadata => ({
  source: 'loop',
  step: 0,
  parents: {},
  ...extra,
});

describe('matchesMetadataFilter', () => {
  it('matches by equality, and nested objects by containment', () => {
    const metadata = {
      source: 'loop',
      step: 2,
      tags: ['a'],
      x: { y: 1, z: 2 },
    };
    expect(matchesMetadataFilter(metadata, {})).toBe(true);
    expect(matchesMetadataFilter(metadata, { source: 'loop', step: 2 })).toBe(
      true,
    );
    expect(matchesMetadataFilter(metadata, { step: '2' })).toBe(false);
    expect(matchesMetadataFilter(metadata, { x: { y: 1 } })).toBe(true);
    expect(matchesMetadataFilter(metadata, { x: { y: 2 } })).toBe(false);
    expect(matchesMetadataFilter(metadata, { tags: ['a'] })).toBe(true);
    expect(matchesMetadataFilter(metadata, { missing: 'a' })).toBe(false);
  });
});

describe('KnexCheckpointSaver#getNextVersion', () => {
  it('makes string versions that order like counters', () => {
    const saver = new KnexCheckpointSaver({} as any);
    const v1 = saver.getNextVersion(undefined) as unknown as string;
    const v2 = saver.getNextVersion(
      v1 as unknown as number,
    ) as unknown as string;
    const v3 = saver.getNextVersion(
      v2 as unknown as number,
    ) as unknown as string;
    expect(v1).toMatch(/^0{31}1\.\d{16}$/);
    expect(v2.startsWith(`${'0'.repeat(31)}2.`)).toBe(true);
    expect(v1 < v2 && v2 < v3).toBe(true);
    expect(saver.getNextVersion(undefined)).not.toEqual(v1);
    expect(saver.getNextVersion(7) as unknown as string).toMatch(/^0{31}8\./);
  });
});

describe.each(ids.map(id => [id]))('KnexCheckpointSaver on %s', databaseId => {
  async function createSaver() {
    const knex = await databases.init(databaseId);
    await IncidentStore.migrate(knex);
    return { knex, saver: new KnexCheckpointSaver(knex) };
  }

  it('keeps regular writes as first written and replaces special ones', async () => {
    const { saver } = await createSaver();
    const config = await saver.put(
      { configurable: { thread_id: 'inc-1' } },
      emptyCheckpoint(),
      meta(),
      {},
    );
    await saver.putWrites(
      config,
      [
        ['a', 1],
        ['b', 2],
      ],
      'task-1',
      'p',
    );
    await saver.putWrites(
      config,
      [
        ['a', 10],
        ['b', 20],
      ],
      'task-1',
      'p',
    );
    await saver.putWrites(config, [[INTERRUPT, 'first']], 'task-1', 'p');
    await saver.putWrites(config, [[INTERRUPT, 'second']], 'task-1', 'p');
    await saver.putWrites(config, [['a', 0]], 'task-0', 'p');
    expect((await saver.getTuple(config))?.pendingWrites).toEqual([
      ['task-0', 'a', 0],
      ['task-1', INTERRUPT, 'second'],
      ['task-1', 'a', 1],
      ['task-1', 'b', 2],
    ]);
  });

  it('round-trips binary values and stores unchanged channels once', async () => {
    const { knex, saver } = await createSaver();
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const first = {
      ...emptyCheckpoint(),
      id: uuid6(-1),
      channel_values: { bytes, text: 'hello' },
      channel_versions: { bytes: '1', text: '1' },
    };
    const config1 = await saver.put(
      { configurable: { thread_id: 'inc-1' } },
      first,
      meta(),
      { bytes: '1', text: '1' },
    );
    const second = {
      ...first,
      id: uuid6(-1),
      channel_values: { bytes, text: 'bye' },
      channel_versions: { bytes: '1', text: '2' },
    };
    const config2 = await saver.put(config1, second, meta({ step: 1 }), {
      text: '2',
    });
    const tuple = await saver.getTuple(config2);
    expect(tuple?.checkpoint.channel_values).toEqual({ bytes, text: 'bye' });
    expect(tuple?.checkpoint.channel_values.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(tuple?.checkpoint.channel_values.bytes)).toBe(false);
    expect(tuple?.parentConfig?.configurable?.checkpoint_id).toBe(first.id);
    expect(
      (await saver.getTuple(config1))?.checkpoint.channel_values.text,
    ).toBe('hello');
    const [{ count }] = await knex('ai_sre_checkpoint_blobs').count({
      count: '*',
    });
    expect(Number(count)).toBe(3);
  });

  it('lists past a page of checkpoints, filtered and limited', async () => {
    const { knex, saver } = await createSaver();
    let config = { configurable: { thread_id: 'inc-1', checkpoint_ns: '' } };
    const checkpointIds: string[] = [];
    for (let step = 0; step < 230; step += 1) {
      const checkpoint = { ...emptyCheckpoint(), id: uuid6(-1) };
      checkpointIds.push(checkpoint.id);
      config = (await saver.put(
        config,
        checkpoint,
        meta({ step, source: step % 3 === 0 ? 'input' : 'loop' }),
        {},
      )) as typeof config;
    }
    await saver.put(
      { configurable: { thread_id: 'inc-2' } },
      emptyCheckpoint(),
      meta(),
      {},
    );
    const [{ n }] = await knex(CHECKPOINTS_TABLE).count({ n: '*' });
    expect(Number(n)).toBe(231);

    const list = async (...args: Parameters<KnexCheckpointSaver['list']>) => {
      const result = [];
      for await (const tuple of saver.list(...args)) {
        result.push(tuple);
      }
      return result;
    };
    const thread = { configurable: { thread_id: 'inc-1' } };
    const all = await list(thread);
    expect(all.map(t => t.checkpoint.id)).toEqual([...checkpointIds].reverse());
    expect((await list({})).length).toBe(231);

    const inputs = await list(thread, { filter: { source: 'input' } });
    expect(inputs.map(t => t.metadata?.step)).toEqual(
      Array.from({ length: 77 }, (_, i) => 228 - 3 * i),
    );
    const limited = await list(thread, {
      filter: { source: 'input' },
      limit: 40,
      before: { configurable: { checkpoint_id: checkpointIds[200] } },
    });
    expect(limited.map(t => t.metadata?.step)).toEqual(
      Array.from({ length: 40 }, (_, i) => 198 - 3 * i),
    );
    expect(await list(thread, { limit: 0 })).toEqual([]);
  });
});
