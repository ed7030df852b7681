import type { AiSreClock, AiSreTimer } from '@internal/plugin-ai-sre-node';
import { KubeApiError, KubeClient } from './kube/KubeClient';

export interface InformerHandlers {
  /** A full list replaced what was known (first start, or after a 410). */
  onReplace(items: any[]): void;
  onAdd(object: any): void;
  onUpdate(object: any): void;
  onDelete(object: any): void;
  /** Called on every watch error, for health reporting. */
  onError?(error: unknown): void;
}

export interface InformerOptions {
  client: KubeClient;
  /** List/watch path, e.g. `/api/v1/pods`. */
  path: string;
  clock: AiSreClock;
  handlers: InformerHandlers;
  /** Page size of list calls. */
  pageSize?: number;
  /** Longest back-off between failed attempts. */
  maxBackoffMs?: number;
  /** Random source for jitter (0..1). */
  random?: () => number;
}

/**
 * List then watch one resource of one cluster, as client-go's reflector:
 * resumes watches from the last resourceVersion (bookmarks included),
 * relists on 410 Gone, backs off with jitter on other errors, and stops
 * cleanly.
 */
export class Informer {
  private resourceVersion?: string;
  private closeWatch?: () => void;
  private retry?: AiSreTimer;
  private stopped = true;
  private failures = 0;
  /** Counters for self-observability. */
  readonly stats = {
    lists: 0,
    watches: 0,
    events: 0,
    relists: 0,
    errors: 0,
    lastEventAt: undefined as number | undefined,
    lastError: undefined as string | undefined,
    synced: false,
  };

  constructor(private readonly options: InformerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.listAndWatch();
  }

  stop(): void {
    this.stopped = true;
    this.retry?.cancel();
    this.retry = undefined;
    this.closeWatch?.();
    this.closeWatch = undefined;
  }

  private async listAndWatch(): Promise<void> {
    try {
      await this.list();
      if (this.stopped) return;
      await this.watch();
    } catch (error) {
      this.fail(error, true);
    }
  }

  private async list(): Promise<void> {
    const items: any[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.options.client.getJson(this.options.path, {
        limit: this.options.pageSize ?? 500,
        continue: continueToken,
      });
      this.stats.lists++;
      items.push(...(page?.items ?? []));
      continueToken = page?.metadata?.continue || undefined;
      resourceVersion = page?.metadata?.resourceVersion ?? resourceVersion;
    } while (continueToken && !this.stopped);
    if (this.stopped) return;
    this.resourceVersion = resourceVersion;
    const kind = kindOfList(this.options.path);
    this.options.handlers.onReplace(items.map(item => ({ kind, ...item })));
    this.stats.synced = true;
  }

  private async watch(): Promise<void> {
    this.stats.watches++;
    let gone = false;
    this.closeWatch = await this.options.client.watch(
      this.options.path,
      {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 300 + Math.floor(this.random() * 300),
      },
      (type, object) => {
        if (this.stopped) return;
        this.stats.events++;
        this.stats.lastEventAt = this.options.clock.now();
        const version = object?.metadata?.resourceVersion;
        switch (type) {
          case 'ADDED':
            this.options.handlers.onAdd(object);
            break;
          case 'MODIFIED':
            this.options.handlers.onUpdate(object);
            break;
          case 'DELETED':
            this.options.handlers.onDelete(object);
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            if (object?.code === 410) {
              gone = true;
            } else {
              this.noteError(
                new KubeApiError(
                  object?.message ?? 'watch error',
                  object?.code ?? 500,
                  object?.reason,
                ),
              );
            }
            return;
          default:
            return;
        }
        if (version) this.resourceVersion = version;
        this.failures = 0;
      },
      error => {
        this.closeWatch = undefined;
        if (this.stopped) return;
        // 410 Gone arrives as an ERROR event in the stream, or as the HTTP
        // status of the watch request (client-node's Watch sets statusCode).
        const status = (error as { statusCode?: number } | undefined)
          ?.statusCode;
        if (gone || status === 410) {
          this.stats.relists++;
          this.resourceVersion = undefined;
          void this.listAndWatch();
          return;
        }
        if (error && !isNormalClose(error)) {
          this.fail(error, false);
          return;
        }
        // A watch ends by timeout or server close: resume from the last version.
        void this.watch().catch(e => this.fail(e, false));
      },
    );
  }

  private noteError(error: unknown): void {
    this.stats.errors++;
    this.stats.lastError =
      error instanceof Error ? error.message : String(error);
    this.options.handlers.onError?.(error);
  }

  /** Backs off with jitter, then relists (after a list failure) or re-watches. */
  private fail(error: unknown, relist: boolean): void {
    if (this.stopped) return;
    this.noteError(error);
    this.failures++;
    const max = this.options.maxBackoffMs ?? 30_000;
    const base = Math.min(max, 500 * 2 ** Math.min(this.failures, 10));
    const delay = base / 2 + this.random() * (base / 2);
    this.retry = this.options.clock.setTimeout(() => {
      this.retry = undefined;
      if (this.stopped) return;
      if (relist || !this.resourceVersion) {
        void this.listAndWatch();
      } else {
        void this.watch().catch(e => this.fail(e, true));
      }
    }, delay);
  }

  private random(): number {
    return (this.options.random ?? Math.random)();
  }
}

function isNormalClose(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** `/apis/apps/v1/deployments` lists Deployments: the kind for list items. */
function kindOfList(path: string): string | undefined {
  const plural = path.split('/').pop() ?? '';
  const known: Record<string, string> = {
    pods: 'Pod',
    nodes: 'Node',
    events: 'Event',
    services: 'Service',
    endpoints: 'Endpoints',
    configmaps: 'ConfigMap',
    secrets: 'Secret',
    persistentvolumeclaims: 'PersistentVolumeClaim',
    resourcequotas: 'ResourceQuota',
    deployments: 'Deployment',
    replicasets: 'ReplicaSet',
    statefulsets: 'StatefulSet',
    daemonsets: 'DaemonSet',
    jobs: 'Job',
    cronjobs: 'CronJob',
    horizontalpodautoscalers: 'HorizontalPodAutoscaler',
  };
  return known[plural];
}
