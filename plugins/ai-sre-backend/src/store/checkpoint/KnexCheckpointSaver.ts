import { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  ChannelVersions,
  Checkpoint,
  CheckpointListOptions,
  CheckpointMetadata,
  CheckpointPendingWrite,
  CheckpointTuple,
  PendingWrite,
  SerializerProtocol,
  TASKS,
  WRITES_IDX_MAP,
  compareWritesSortKeys,
  getCheckpointId,
  maxChannelVersion,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import { Knex } from 'knex';
import { isDeepStrictEqual } from 'node:util';

/** Checkpoints, without their channel values. */
export const CHECKPOINTS_TABLE = 'ai_sre_checkpoints';
/** Channel values, one row per (thread, namespace, channel, version). */
export const CHECKPOINT_BLOBS_TABLE = 'ai_sre_checkpoint_blobs';
/** Pending writes of tasks against a checkpoint. */
export const CHECKPOINT_WRITES_TABLE = 'ai_sre_checkpoint_writes';

/** A database row of {@link CHECKPOINTS_TABLE}. */
export interface CheckpointRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  type: string;
  checkpoint: Uint8Array;
  metadata: Uint8Array;
  created_at: number | string;
}

/** A database row of {@link CHECKPOINT_BLOBS_TABLE}. */
export interface CheckpointBlobRow {
  thread_id: string;
  checkpoint_ns: string;
  channel: string;
  version: string;
  /** The serializer's type, or `empty` when the channel was emptied. */
  type: string;
  blob: Uint8Array | null;
}

/** A database row of {@link CHECKPOINT_WRITES_TABLE}. */
export interface CheckpointWriteRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  task_id: string;
  idx: number;
  channel: string;
  type: string;
  value: Uint8Array;
  task_path: string;
}

const CHECKPOINT_KEY = ['thread_id', 'checkpoint_ns', 'checkpoint_id'];
const BLOB_KEY = ['thread_id', 'checkpoint_ns', 'channel', 'version'];
const WRITE_KEY = [
  'thread_id',
  'checkpoint_ns',
  'checkpoint_id',
  'task_id',
  'idx',
];

/** Rows per INSERT, well below SQLite's and PostgreSQL's bind limits. */
const INSERT_CHUNK = 100;
/** Values per IN list. */
const IN_CHUNK = 400;
/** Checkpoints read per query by `list`. */
const LIST_PAGE = 100;
/** The type of a blob row recording that a channel has no value. */
const EMPTY = 'empty';

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}

/** Bytes for the database driver: pg and better-sqlite3 both take Buffers. */
function toDb(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Bytes from the database as a plain Uint8Array (drivers return Buffers,
 * which the `bytes` serializer type would otherwise hand back as is).
 */
function fromDb(value: Uint8Array | string): Uint8Array {
  if (typeof value === 'string') {
    return new TextEncoder().encode(value);
  }
  return new Uint8Array(value);
}

function blobKey(channel: string, version: string): string {
  return JSON.stringify([channel, version]);
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/**
 * Whether metadata matches a `list` filter: every filter key must be present
 * with an equal value. Plain objects match by containment (like PostgreSQL's
 * `@>`), anything else by deep equality.
 */
export function matchesMetadataFilter(
  metadata: Record<string, unknown> | undefined,
  filter: Record<string, unknown>,
): boolean {
  return Object.entries(filter).every(([key, expected]) => {
    const actual = metadata?.[key];
    if (isPlainObject(expected) && isPlainObject(actual)) {
      return matchesMetadataFilter(actual, expected);
    }
    return isDeepStrictEqual(actual, expected);
  });
}

function requireString(value: unknown, what: string): string {
  if (value === undefined || value === null || value === '') {
    throw new Error(
      `The passed RunnableConfig is missing a required "${what}" field in its "configurable" property`,
    );
  }
  return String(value);
}

/**
 * A LangGraph checkpoint saver on the plugin's own database (the knex client
 * from Backstage's database service), for SQLite and PostgreSQL.
 *
 * The tables come from the plugin's migrations (`ai_sre_checkpoints`,
 * `ai_sre_checkpoint_blobs`, `ai_sre_checkpoint_writes`). As in the
 * maintained PostgreSQL saver, channel values are stored once per channel
 * version; channel versions are therefore strings with a random suffix (as
 * in the Python savers), so that two branches of a forked thread never share
 * a version with different values.
 */
export class KnexCheckpointSaver extends BaseCheckpointSaver {
  constructor(private readonly db: Knex, serde?: SerializerProtocol) {
    super(serde);
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined || threadId === null || threadId === '') {
      return undefined;
    }
    const checkpointNs: string = config.configurable?.checkpoint_ns ?? '';
    const checkpointId = getCheckpointId(config);

    const query = this.db<CheckpointRow>(CHECKPOINTS_TABLE).where({
      thread_id: String(threadId),
      checkpoint_ns: checkpointNs,
    });
    if (checkpointId) {
      query.where('checkpoint_id', checkpointId);
    } else {
      query.orderBy('checkpoint_id', 'desc').limit(1);
    }
    const rows: CheckpointRow[] = await query.select();
    if (rows.length === 0) {
      return undefined;
    }
    const [tuple] = await this.loadTuples(await this.withMetadata(rows));
    return tuple;
  }

  async *list(
    config: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options ?? {};
    let remaining = options?.limit;
    if (remaining !== undefined && remaining <= 0) {
      return;
    }
    const threadId = config.configurable?.thread_id;
    const checkpointNs = config.configurable?.checkpoint_ns;
    const checkpointId = getCheckpointId(config);
    const beforeId = before ? getCheckpointId(before) : '';
    const filtering = filter !== undefined && Object.keys(filter).length > 0;
    const pageSize =
      !filtering && remaining !== undefined
        ? Math.min(remaining, LIST_PAGE)
        : LIST_PAGE;

    let cursor: CheckpointRow | undefined;
    for (;;) {
      const query = this.db<CheckpointRow>(CHECKPOINTS_TABLE);
      if (threadId !== undefined && threadId !== null && threadId !== '') {
        query.where('thread_id', String(threadId));
      }
      if (checkpointNs !== undefined && checkpointNs !== null) {
        query.where('checkpoint_ns', checkpointNs);
      }
      if (checkpointId) {
        query.where('checkpoint_id', checkpointId);
      }
      if (beforeId) {
        query.where('checkpoint_id', '<', beforeId);
      }
      if (cursor) {
        const c = cursor;
        query.where(q =>
          q
            .where('checkpoint_id', '<', c.checkpoint_id)
            .orWhere(q2 =>
              q2
                .where('checkpoint_id', c.checkpoint_id)
                .where('thread_id', '<', c.thread_id),
            )
            .orWhere(q3 =>
              q3
                .where('checkpoint_id', c.checkpoint_id)
                .where('thread_id', c.thread_id)
                .where('checkpoint_ns', '<', c.checkpoint_ns),
            ),
        );
      }
      const rows: CheckpointRow[] = await query
        .select()
        .orderBy([
          { column: 'checkpoint_id', order: 'desc' },
          { column: 'thread_id', order: 'desc' },
          { column: 'checkpoint_ns', order: 'desc' },
        ])
        .limit(pageSize);
      if (rows.length === 0) {
        return;
      }
      cursor = rows[rows.length - 1];

      let entries = await this.withMetadata(rows);
      if (filtering) {
        entries = entries.filter(({ metadata }) =>
          matchesMetadataFilter(
            metadata as unknown as Record<string, unknown>,
            filter!,
          ),
        );
      }
      if (remaining !== undefined) {
        entries = entries.slice(0, remaining);
        remaining -= entries.length;
      }
      for (const tuple of await this.loadTuples(entries)) {
        yield tuple;
      }
      if (remaining === 0 || rows.length < pageSize) {
        return;
      }
    }
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    if (config.configurable === undefined) {
      throw new Error('Missing "configurable" field in "config" param');
    }
    const threadId = requireString(config.configurable.thread_id, 'thread_id');
    const checkpointNs: string = config.configurable.checkpoint_ns ?? '';
    const parentId: string | undefined = config.configurable.checkpoint_id;

    // The channel values are stored as blobs, and only those of channels
    // with a new version: the others are already stored under the version
    // the checkpoint refers to.
    const { channel_values: values = {}, ...stored } = checkpoint;
    const [type, serializedCheckpoint] = await this.serde.dumpsTyped(stored);
    const [metadataType, serializedMetadata] = await this.serde.dumpsTyped(
      metadata,
    );
    if (metadataType !== type) {
      throw new Error(
        `Checkpoint and metadata serialize to different types (${type}, ${metadataType})`,
      );
    }
    const blobRows = await Promise.all(
      Object.entries(newVersions).map(
        async ([channel, version]): Promise<CheckpointBlobRow> => {
          const row = {
            thread_id: threadId,
            checkpoint_ns: checkpointNs,
            channel,
            version: String(version),
          };
          const value = (values as Record<string, unknown>)[channel];
          if (!hasOwn(values, channel) || value === undefined) {
            return { ...row, type: EMPTY, blob: null };
          }
          const [blobType, blob] = await this.serde.dumpsTyped(value);
          return { ...row, type: blobType, blob: toDb(blob) };
        },
      ),
    );
    const row: CheckpointRow = {
      thread_id: threadId,
      checkpoint_ns: checkpointNs,
      checkpoint_id: checkpoint.id,
      parent_checkpoint_id: parentId || null,
      type,
      checkpoint: toDb(serializedCheckpoint),
      metadata: toDb(serializedMetadata),
      created_at: Date.now(),
    };

    await this.db.transaction(async trx => {
      for (const chunk of chunks(blobRows, INSERT_CHUNK)) {
        await trx<CheckpointBlobRow>(CHECKPOINT_BLOBS_TABLE)
          .insert(chunk)
          .onConflict(BLOB_KEY)
          .ignore();
      }
      await trx<CheckpointRow>(CHECKPOINTS_TABLE)
        .insert(row)
        .onConflict(CHECKPOINT_KEY)
        .merge(['type', 'checkpoint', 'metadata']);
    });

    return {
      configurable: {
        thread_id: threadId,
        checkpoint_ns: checkpointNs,
        checkpoint_id: checkpoint.id,
      },
    };
  }

  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
  ): Promise<void> {
    const threadId = requireString(config.configurable?.thread_id, 'thread_id');
    const checkpointId = requireString(
      config.configurable?.checkpoint_id,
      'checkpoint_id',
    );
    const checkpointNs: string = config.configurable?.checkpoint_ns ?? '';

    const rows = await Promise.all(
      writes.map(
        async ([channel, value], index): Promise<CheckpointWriteRow> => {
          const [type, serialized] = await this.serde.dumpsTyped(value);
          return {
            thread_id: threadId,
            checkpoint_ns: checkpointNs,
            checkpoint_id: checkpointId,
            task_id: taskId,
            idx: WRITES_IDX_MAP[channel] ?? index,
            channel,
            type,
            value: toDb(serialized),
            task_path: taskPath ?? '',
          };
        },
      ),
    );
    // Regular writes are kept as first written (a retried task must not
    // change them); special writes (errors, interrupts, resumes...) replace
    // the earlier one of their kind, the last in this batch winning.
    const regular = rows.filter(r => r.idx >= 0);
    const special = [
      ...new Map(rows.filter(r => r.idx < 0).map(r => [r.idx, r])).values(),
    ];
    if (rows.length === 0) {
      return;
    }
    await this.db.transaction(async trx => {
      for (const chunk of chunks(regular, INSERT_CHUNK)) {
        await trx<CheckpointWriteRow>(CHECKPOINT_WRITES_TABLE)
          .insert(chunk)
          .onConflict(WRITE_KEY)
          .ignore();
      }
      for (const chunk of chunks(special, INSERT_CHUNK)) {
        await trx<CheckpointWriteRow>(CHECKPOINT_WRITES_TABLE)
          .insert(chunk)
          .onConflict(WRITE_KEY)
          .merge(['channel', 'type', 'value', 'task_path']);
      }
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.db.transaction(async trx => {
      await trx(CHECKPOINT_WRITES_TABLE).where('thread_id', threadId).delete();
      await trx(CHECKPOINT_BLOBS_TABLE).where('thread_id', threadId).delete();
      await trx(CHECKPOINTS_TABLE).where('thread_id', threadId).delete();
    });
  }

  /**
   * Channel versions as zero-padded counters with a random fraction, as in
   * the Python savers: they order like the counters, and a fork of a thread
   * does not reuse the version (and so the stored value) of another branch.
   *
   * LangGraph accepts string versions (it compares them as strings); the
   * declared type is the base class's, so that this saver can be passed
   * wherever a `BaseCheckpointSaver` is expected.
   */
  override getNextVersion(current: number | undefined): number {
    let counter: number;
    if (current === undefined || current === null) {
      counter = 0;
    } else if (typeof current === 'number') {
      counter = Math.trunc(current);
    } else {
      counter = Number.parseInt(String(current).split('.')[0], 10) || 0;
    }
    const random = Math.random().toFixed(16).slice(2);
    const version = `${String(counter + 1).padStart(32, '0')}.${random}`;
    return version as unknown as number;
  }

  private async withMetadata(
    rows: CheckpointRow[],
  ): Promise<Array<{ row: CheckpointRow; metadata: CheckpointMetadata }>> {
    return Promise.all(
      rows.map(async row => ({
        row,
        metadata: (await this.serde.loadsTyped(
          row.type,
          fromDb(row.metadata),
        )) as CheckpointMetadata,
      })),
    );
  }

  /** Builds the tuples of checkpoint rows, in the order given. */
  private async loadTuples(
    entries: Array<{ row: CheckpointRow; metadata: CheckpointMetadata }>,
  ): Promise<CheckpointTuple[]> {
    const decoded = await Promise.all(
      entries.map(async ({ row, metadata }) => ({
        row,
        metadata,
        checkpoint: (await this.serde.loadsTyped(
          row.type,
          fromDb(row.checkpoint),
        )) as Checkpoint,
      })),
    );

    // Writes and blobs are read per thread and namespace, for all the
    // checkpoints at once.
    const groups = new Map<string, typeof decoded>();
    for (const item of decoded) {
      const key = JSON.stringify([item.row.thread_id, item.row.checkpoint_ns]);
      const group = groups.get(key);
      if (group) {
        group.push(item);
      } else {
        groups.set(key, [item]);
      }
    }

    const tuples = new Map<CheckpointRow, CheckpointTuple>();
    for (const group of groups.values()) {
      const { thread_id: threadId, checkpoint_ns: checkpointNs } = group[0].row;
      const checkpointIds = new Set<string>();
      const blobPairs = new Map<string, [string, string]>();
      for (const { row, checkpoint } of group) {
        checkpointIds.add(row.checkpoint_id);
        // Checkpoints before format 4 take the pending sends of their parent.
        if (checkpoint.v < 4 && row.parent_checkpoint_id) {
          checkpointIds.add(row.parent_checkpoint_id);
        }
        for (const [channel, version] of Object.entries(
          checkpoint.channel_versions ?? {},
        )) {
          blobPairs.set(blobKey(channel, String(version)), [
            channel,
            String(version),
          ]);
        }
      }
      const writes = await this.readWrites(threadId, checkpointNs, [
        ...checkpointIds,
      ]);
      const blobs = await this.readBlobs(threadId, checkpointNs, [
        ...blobPairs.values(),
      ]);

      for (const { row, metadata, checkpoint } of group) {
        const channelValues: Record<string, unknown> = {};
        for (const [channel, version] of Object.entries(
          checkpoint.channel_versions ?? {},
        )) {
          const blob = blobs.get(blobKey(channel, String(version)));
          if (blob && blob.type !== EMPTY && blob.blob !== null) {
            channelValues[channel] = await this.serde.loadsTyped(
              blob.type,
              fromDb(blob.blob),
            );
          }
        }
        checkpoint.channel_values = channelValues;
        checkpoint.channel_versions ??= {};
        checkpoint.versions_seen ??= {};

        if (checkpoint.v < 4 && row.parent_checkpoint_id) {
          const sends = (writes.get(row.parent_checkpoint_id) ?? []).filter(
            w => w.channel === TASKS,
          );
          channelValues[TASKS] = await Promise.all(
            sends.map(w => this.serde.loadsTyped(w.type, fromDb(w.value))),
          );
          const versions = Object.values(checkpoint.channel_versions);
          checkpoint.channel_versions[TASKS] =
            versions.length > 0
              ? maxChannelVersion(...versions)
              : this.getNextVersion(undefined);
        }

        const pendingWrites: CheckpointPendingWrite[] = await Promise.all(
          (writes.get(row.checkpoint_id) ?? []).map(
            async (w): Promise<CheckpointPendingWrite> => [
              w.task_id,
              w.channel,
              await this.serde.loadsTyped(w.type, fromDb(w.value)),
            ],
          ),
        );

        const tuple: CheckpointTuple = {
          config: {
            configurable: {
              thread_id: row.thread_id,
              checkpoint_ns: row.checkpoint_ns,
              checkpoint_id: row.checkpoint_id,
            },
          },
          checkpoint,
          metadata,
          pendingWrites,
        };
        if (row.parent_checkpoint_id) {
          tuple.parentConfig = {
            configurable: {
              thread_id: row.thread_id,
              checkpoint_ns: row.checkpoint_ns,
              checkpoint_id: row.parent_checkpoint_id,
            },
          };
        }
        tuples.set(row, tuple);
      }
    }
    return decoded.map(({ row }) => tuples.get(row)!);
  }

  /** The writes of checkpoints, each in `writesSortKey` order. */
  private async readWrites(
    threadId: string,
    checkpointNs: string,
    checkpointIds: string[],
  ): Promise<Map<string, CheckpointWriteRow[]>> {
    const result = new Map<string, CheckpointWriteRow[]>();
    for (const chunk of chunks(checkpointIds, IN_CHUNK)) {
      const rows: CheckpointWriteRow[] = await this.db<CheckpointWriteRow>(
        CHECKPOINT_WRITES_TABLE,
      )
        .where({ thread_id: threadId, checkpoint_ns: checkpointNs })
        .whereIn('checkpoint_id', chunk)
        .select();
      for (const row of rows) {
        const list = result.get(row.checkpoint_id);
        if (list) {
          list.push(row);
        } else {
          result.set(row.checkpoint_id, [row]);
        }
      }
    }
    for (const list of result.values()) {
      list.sort((a, b) =>
        compareWritesSortKeys(
          writesSortKey(a.task_path ?? '', a.task_id, Number(a.idx)),
          writesSortKey(b.task_path ?? '', b.task_id, Number(b.idx)),
        ),
      );
    }
    return result;
  }

  /** Blobs by {@link blobKey}. */
  private async readBlobs(
    threadId: string,
    checkpointNs: string,
    pairs: Array<[string, string]>,
  ): Promise<Map<string, CheckpointBlobRow>> {
    const result = new Map<string, CheckpointBlobRow>();
    for (const chunk of chunks(pairs, IN_CHUNK)) {
      const rows: CheckpointBlobRow[] = await this.db<CheckpointBlobRow>(
        CHECKPOINT_BLOBS_TABLE,
      )
        .where({ thread_id: threadId, checkpoint_ns: checkpointNs })
        .whereIn(['channel', 'version'], chunk)
        .select();
      for (const row of rows) {
        result.set(blobKey(row.channel, row.version), row);
      }
    }
    return result;
  }
}
