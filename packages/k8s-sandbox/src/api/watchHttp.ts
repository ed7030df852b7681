/**
 * Streams a store watch as newline-delimited JSON watch events, the way the
 * API server does: initial ADDED events, BOOKMARKs, timeouts and a 410
 * ERROR event when the requested version is too old.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, toApiError } from './errors';
import { JsonCache } from './http';
import { apiVersionOf, ResourceType } from './resources';
import { ObjectStore } from './store';
import { KubeObject, WatchEvent } from './types';

/** Watch lines of frozen objects, serialised once for every watcher. */
export class WatchLineCache {
  private readonly cache = new WeakMap<object, Record<string, string>>();

  constructor(private readonly json: JsonCache) {}

  line(type: string, obj: KubeObject): string {
    let entry = this.cache.get(obj);
    if (!entry) {
      entry = {};
      this.cache.set(obj, entry);
    }
    let line = entry[type];
    if (line === undefined) {
      line = `{"type":"${type}","object":${this.json.of(obj)}}\n`;
      entry[type] = line;
    }
    return line;
  }
}

export interface HttpWatchOptions {
  store: ObjectStore;
  /** The served type (for conversion and bookmark kinds). */
  type: ResourceType;
  namespace?: string;
  query: URLSearchParams;
  lines: WatchLineCache;
  convert: (obj: KubeObject) => KubeObject;
  /** Replaces each event object, e.g. with a one-row Table. */
  render?: (obj: KubeObject) => KubeObject;
  bookmarkIntervalMs: number;
  defaultTimeoutSeconds: number;
  /** Bytes of unsent output after which a slow watcher is cut off. */
  maxBuffered?: number;
}

/** Serves one watch; returns a function that ends it from the server side. */
export function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  o: HttpWatchOptions,
): () => void {
  const q = o.query;
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const timeoutParam = Number(q.get('timeoutSeconds') ?? '');
  const timeoutSeconds =
    Number.isFinite(timeoutParam) && timeoutParam > 0
      ? timeoutParam
      : o.defaultTimeoutSeconds;
  let from = q.get('resourceVersion') ?? undefined;
  if (sendInitial) from = undefined;
  const maxBuffered = o.maxBuffered ?? 64 * 1024 * 1024;

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();

  let closed = false;
  let unsubscribe: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  const write = (chunk: string) => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > maxBuffered) {
      closed = true;
      unsubscribe?.();
      for (const t of timers) clearTimeout(t);
      res.destroy();
    }
  };
  const bookmark = (initialEnd = false) => {
    const metadata: Record<string, unknown> = {
      resourceVersion: o.store.resourceVersion,
    };
    if (initialEnd) {
      metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    }
    const obj = {
      kind: o.type.kind,
      apiVersion: apiVersionOf(o.type),
      metadata,
    };
    write(`${JSON.stringify({ type: 'BOOKMARK', object: obj })}\n`);
  };

  const onEvent = (e: WatchEvent) => {
    const served = o.convert(e.object);
    if (o.render) {
      const object = o.render(served);
      write(`${JSON.stringify({ type: e.type, object })}\n`);
    } else {
      write(o.lines.line(e.type, served));
    }
  };

  req.on('close', finish);
  res.on('close', finish);
  try {
    unsubscribe = o.store.watch(
      o.type,
      {
        namespace: o.namespace,
        fromResourceVersion: from,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
      },
      onEvent,
    );
  } catch (err) {
    const e: ApiError = toApiError(err);
    write(`${JSON.stringify({ type: 'ERROR', object: e.status })}\n`);
    finish();
    return finish;
  }
  if (closed) {
    unsubscribe();
    return finish;
  }
  if (sendInitial && bookmarks) bookmark(true);
  if (bookmarks) {
    const interval = setInterval(() => bookmark(), o.bookmarkIntervalMs);
    interval.unref();
    timers.push(interval);
  }
  const end = setTimeout(() => {
    if (bookmarks) bookmark();
    finish();
  }, timeoutSeconds * 1000);
  end.unref();
  timers.push(end);
  return finish;
}
