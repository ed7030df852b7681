/**
 * Snapshots: what `kubectl get -A -o json` (or `-o yaml`) writes, a
 * Kubernetes `List` of objects of several kinds, read back into the raw
 * objects the analysis feeds to telemetry's cache. Typed lists as the API
 * answers them (`PodList`, items without `kind`), single objects and
 * multi-document YAML are read too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { WATCHED_KINDS, WatchedKind } from '@internal/plugin-ai-sre-node';

/** Bad input: the CLI prints the message and exits 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** A Kubernetes object as read (JSON), with its `kind`. */
export type RawObject = Record<string, any> & {
  kind: string;
  metadata?: Record<string, any>;
};

export interface ReadResult {
  /** Objects of the kinds telemetry reads (later files win on duplicates). */
  objects: RawObject[];
  /** Objects of other kinds, by kind (not analysed). */
  ignored: Record<string, number>;
}

const WATCHED = new Set<string>(WATCHED_KINDS);

export function isWatchedKind(kind: string): kind is WatchedKind {
  return WATCHED.has(kind);
}

const plain = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The documents of a file's text: one JSON value, or every YAML document. */
function parseDocuments(text: string, file: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) {
    throw new InputError(
      `${file} is empty: expected a Kubernetes List as \`kubectl get -A -o json\` writes it`,
    );
  }
  let jsonError: Error | undefined;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return [JSON.parse(trimmed)];
    } catch (error) {
      // Perhaps YAML in flow style; if not, the JSON error is the useful one.
      jsonError = error as Error;
    }
  }
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const failed = list.find(doc => doc.errors.length);
  if (failed) {
    const reason = jsonError?.message ?? failed.errors[0].message;
    throw new InputError(
      `${file} is not Kubernetes JSON or YAML: ${
        jsonError ? 'invalid JSON' : 'invalid YAML'
      } (${reason.split('\n')[0]})`,
    );
  }
  return list.map(doc => doc.toJS({ maxAliasCount: 1000 }));
}

/** The objects of one parsed document: a List's items, or the object itself. */
function objectsOf(document: unknown, file: string): RawObject[] {
  const where = `${file} is not a Kubernetes List or object`;
  if (!plain(document) || typeof document.kind !== 'string') {
    throw new InputError(
      `${where}: expected \`kind\` and \`items\` as \`kubectl get -A -o json\` writes them`,
    );
  }
  const kind = document.kind;
  if (Array.isArray(document.items)) {
    // `List` items carry their kind; a typed list (`PodList`) names it.
    const itemKind = kind.endsWith('List') ? kind.slice(0, -4) : undefined;
    return document.items.map((item: unknown, index: number) => {
      const object: Record<string, any> | undefined = plain(item)
        ? { ...item, kind: item.kind ?? itemKind }
        : undefined;
      if (
        !object ||
        typeof object.kind !== 'string' ||
        !object.kind ||
        !plain(object.metadata) ||
        typeof object.metadata.name !== 'string'
      ) {
        throw new InputError(
          `${where}: item ${index} of its ${kind} has no kind or metadata.name`,
        );
      }
      return object as RawObject;
    });
  }
  if (kind.endsWith('List')) {
    throw new InputError(`${where}: its ${kind} has no items array`);
  }
  if (!plain(document.metadata) || typeof document.metadata.name !== 'string') {
    throw new InputError(`${where}: its ${kind} has no metadata.name`);
  }
  return [document as RawObject];
}

/** Parses one snapshot's text (JSON or YAML) into its objects. */
export function parseSnapshot(text: string, file: string): RawObject[] {
  return parseDocuments(text, file)
    .filter(document => document !== null && document !== undefined)
    .flatMap(document => objectsOf(document, file));
}

function readText(file: string, cwd: string): string {
  try {
    return fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      {
        ENOENT: 'no such file',
        EISDIR: 'it is a directory',
        EACCES: 'permission denied',
      }[code ?? ''] ?? (error as Error).message;
    throw new InputError(`cannot read snapshot ${file}: ${why}`);
  }
}

const keyOf = (object: RawObject) =>
  `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;

/**
 * Reads snapshot files (relative to `cwd`; messages name them as given);
 * objects of kinds telemetry does not read are counted.
 */
export function readSnapshots(
  files: string[],
  cwd: string = process.cwd(),
): ReadResult {
  const objects = new Map<string, RawObject>();
  const ignored: Record<string, number> = {};
  for (const file of files) {
    for (const object of parseSnapshot(readText(file, cwd), file)) {
      if (isWatchedKind(object.kind)) {
        objects.set(keyOf(object), object);
      } else {
        ignored[object.kind] = (ignored[object.kind] ?? 0) + 1;
      }
    }
  }
  return { objects: [...objects.values()], ignored };
}

/** Fields whose values are times the cluster wrote. */
const TIME_FIELDS = new Set([
  'creationTimestamp',
  'deletionTimestamp',
  'firstTimestamp',
  'lastTimestamp',
  'eventTime',
  'lastObservedTime',
  'lastTransitionTime',
  'lastProbeTime',
  'lastUpdateTime',
  'lastHeartbeatTime',
  'startedAt',
  'finishedAt',
  'startTime',
  'completionTime',
  'lastScheduleTime',
  'lastSuccessfulTime',
  'time',
]);

function latestIn(value: unknown, depth: number): number {
  if (depth > 12 || typeof value !== 'object' || value === null) return 0;
  let latest = 0;
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'string' && TIME_FIELDS.has(key)) {
      const ms = Date.parse(child);
      if (Number.isFinite(ms) && ms > latest) latest = ms;
    } else if (typeof child === 'object' && child !== null) {
      latest = Math.max(latest, latestIn(child, depth + 1));
    }
  }
  return latest;
}

/**
 * When a snapshot was taken, as well as it tells: the latest time the
 * cluster wrote into it (event times, condition transitions and node
 * heartbeats, container starts and exits, managed-field updates, creation
 * times). Spec and data are not read (they are the user's). Undefined when
 * the snapshot holds no time at all.
 */
export function snapshotTime(objects: RawObject[]): number | undefined {
  let latest = 0;
  for (const object of objects) {
    const { spec: _spec, data: _data, stringData: _s, ...rest } = object;
    latest = Math.max(latest, latestIn(rest, 0));
  }
  return latest > 0 ? latest : undefined;
}
