/**
 * Live mode: one list (no watch) of every kind telemetry reads, through
 * `@kubernetes/client-node`'s KubeConfig (tokens, client certificates, exec
 * plugins) and the backend's `KubeClient`, paged like the informers list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { WatchedKind } from '@internal/plugin-ai-sre-node';
import {
  CLUSTER_SCOPED,
  KIND_PATHS,
  KubeApiError,
  KubeClient,
} from './backend';
import { InputError, RawObject } from './snapshot';

export interface ConnectOptions {
  /** As given: relative to `cwd`. */
  kubeconfig?: string;
  context?: string;
  cwd?: string;
}

/** Loads the kubeconfig (the file given, or KUBECONFIG / ~/.kube/config / in-cluster). */
export function loadKubeConfig(options: ConnectOptions): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig) {
    const file = path.resolve(options.cwd ?? process.cwd(), options.kubeconfig);
    if (!fs.existsSync(file)) {
      throw new InputError(
        `cannot read kubeconfig ${options.kubeconfig}: no such file`,
      );
    }
    try {
      kubeConfig.loadFromFile(file);
    } catch (error) {
      throw new InputError(
        `cannot read kubeconfig ${options.kubeconfig}: ${
          (error as Error).message.split('\n')[0]
        }`,
      );
    }
  } else {
    try {
      kubeConfig.loadFromDefault();
    } catch (error) {
      throw new InputError(
        `cannot load the default kubeconfig: ${
          (error as Error).message.split('\n')[0]
        }`,
      );
    }
  }
  if (options.context) {
    if (!kubeConfig.getContextObject(options.context)) {
      const known = kubeConfig.getContexts().map(c => c.name);
      throw new InputError(
        `no context ${options.context} in the kubeconfig${
          known.length ? ` (it has ${known.join(', ')})` : ''
        }`,
      );
    }
    kubeConfig.setCurrentContext(options.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new InputError(
      `the kubeconfig has no current cluster${
        kubeConfig.getCurrentContext()
          ? ` (context ${kubeConfig.getCurrentContext()})`
          : ''
      }: pass --context NAME`,
    );
  }
  return kubeConfig;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** Why a request failed before the API server answered, as a person reads it. */
function connectionError(server: string, error: unknown, doing = '') {
  const e = error as NodeJS.ErrnoException & { cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  const message = (e?.message || String(error)).split('\n')[0];
  if (code && NETWORK_ERRORS[code]) {
    return new InputError(
      `cannot reach the cluster at ${server}${doing}: ${NETWORK_ERRORS[code]}`,
    );
  }
  if (/timed out/i.test(message)) {
    return new InputError(
      `cannot reach the cluster at ${server}${doing}: ${message}`,
    );
  }
  // TLS, certificates, an exec credential plugin, an unusable kubeconfig.
  return new InputError(
    `cannot connect to the cluster at ${server}${doing}: ${message}`,
  );
}

/**
 * The backend's KubeClient, keeping track of the log reads telemetry
 * starts when a signal opens, so the analysis can wait for them, and
 * reading at most a few at a time.
 */
export class TrackingKubeClient extends KubeClient {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly queue: Array<() => void> = [];
  private running = 0;
  /** Log reads started. */
  logReads = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: { logs: boolean; concurrency?: number },
  ) {
    super(kubeConfig);
  }

  override readLog(
    options: Parameters<KubeClient['readLog']>[0],
  ): Promise<string> {
    if (!this.options.logs) {
      return Promise.reject(new Error('a snapshot has no logs'));
    }
    this.logReads++;
    const read = this.slot().then(async release => {
      try {
        return await super.readLog(options);
      } finally {
        release();
      }
    });
    this.inFlight.add(read);
    const forget = () => this.inFlight.delete(read);
    read.then(forget, forget);
    return read;
  }

  private slot(): Promise<() => void> {
    const limit = this.options.concurrency ?? 8;
    const release = () => {
      this.running--;
      this.queue.shift()?.();
    };
    if (this.running < limit) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise(resolve =>
      this.queue.push(() => {
        this.running++;
        resolve(release);
      }),
    );
  }

  /** Resolves when no log read is in flight any more (reads may chain). */
  async drain(): Promise<void> {
    for (;;) {
      await new Promise(resolve => setImmediate(resolve));
      if (!this.inFlight.size) return;
      await Promise.allSettled([...this.inFlight]);
    }
  }
}

/** Checks that the cluster answers (and accepts the credentials). */
export async function probe(client: KubeClient): Promise<void> {
  const server = client.server;
  try {
    await client.getJson('/version', {}, { timeoutMs: 15_000 });
  } catch (error) {
    if (error instanceof KubeApiError) {
      if (error.statusCode === 401) {
        throw new InputError(
          `the cluster at ${server} rejected the credentials (401 Unauthorized)`,
        );
      }
      return; // it answered: /version may be forbidden, lists may not be
    }
    throw connectionError(server, error);
  }
}

/** Where a kind is listed, in all namespaces or in one. */
export function listPath(kind: WatchedKind, namespace?: string): string {
  const all = KIND_PATHS[kind];
  if (!namespace || CLUSTER_SCOPED.has(kind)) return all;
  const slash = all.lastIndexOf('/');
  return `${all.slice(0, slash)}/namespaces/${encodeURIComponent(
    namespace,
  )}${all.slice(slash)}`;
}

export interface ListOptions {
  namespace?: string;
  pageSize?: number;
  /** Kinds listed at once. */
  concurrency?: number;
  progress(line: string): void;
  warn(line: string): void;
}

/** Lists the kinds (every page of each); kinds that cannot be read are skipped with a warning. */
export async function listCluster(
  client: KubeClient,
  kinds: WatchedKind[],
  options: ListOptions,
): Promise<RawObject[]> {
  const server = client.server;
  const out: RawObject[] = [];
  const queue = [...kinds];
  const listKind = async (kind: WatchedKind) => {
    const items: RawObject[] = [];
    let continueToken: string | undefined;
    let pages = 0;
    do {
      let page: any;
      try {
        page = await client.getJson(listPath(kind, options.namespace), {
          limit: options.pageSize ?? 500,
          continue: continueToken,
        });
      } catch (error) {
        if (error instanceof KubeApiError) {
          if (error.statusCode === 401) {
            throw new InputError(
              `the cluster at ${server} rejected the credentials (401 Unauthorized)`,
            );
          }
          options.warn(
            `cannot list ${kind} (${error.statusCode}${
              error.reason ? ` ${error.reason}` : ''
            }: ${error.message}); going on without them`,
          );
          return;
        }
        throw connectionError(server, error, ` while listing ${kind}`);
      }
      pages++;
      for (const item of page?.items ?? []) items.push({ ...item, kind });
      continueToken = page?.metadata?.continue || undefined;
      if (continueToken) {
        options.progress(`  ${kind}: ${items.length} so far...`);
      }
    } while (continueToken);
    options.progress(
      `  ${kind}: ${items.length}${pages > 1 ? ` (${pages} pages)` : ''}`,
    );
    for (const item of items) out.push(item);
  };
  const workers = Array.from(
    { length: Math.min(options.concurrency ?? 4, queue.length) },
    async () => {
      for (let kind = queue.shift(); kind; kind = queue.shift()) {
        await listKind(kind);
      }
    },
  );
  await Promise.all(workers);
  return out;
}
