import { KubeConfig, Watch } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';

/** An error from the API server, with its HTTP status and Status reason. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export type WatchHandler = (type: string, object: any) => void;

/**
 * The cluster API as telemetry uses it: raw JSON lists (timestamps stay
 * strings, nothing is deserialised into model classes), watches through
 * `@kubernetes/client-node`'s Watch, and pod logs as plain text.
 * Authentication (tokens, client certificates, exec plugins, in-cluster)
 * comes from the KubeConfig.
 */
export class KubeClient {
  private readonly watcher: Watch;
  /** API requests made, for self-observability. */
  requests = 0;

  constructor(readonly kubeConfig: KubeConfig) {
    this.watcher = new Watch(kubeConfig);
  }

  get server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new Error('The kubeconfig has no current cluster');
    }
    return cluster.server.replace(/\/+$/, '');
  }

  /** GET a path and parse its JSON body. */
  async getJson<T = any>(
    path: string,
    query: Record<string, string | number | undefined> = {},
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    const text = await this.getText(path, query, options);
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new KubeApiError(`GET ${path} did not answer JSON`, 502);
    }
  }

  /** GET a path as text (e.g. `/metrics`); errors carry the Status. */
  async getText(
    path: string,
    query: Record<string, string | number | undefined> = {},
    options: { timeoutMs?: number } = {},
  ): Promise<string> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      headers: { accept: 'application/json, text/plain;q=0.9' },
    };
    await this.kubeConfig.applyToHTTPSOptions(requestOptions);
    this.requests++;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<string>((resolve, reject) => {
      const req = transport.request(url, requestOptions, res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(text);
            return;
          }
          let body: any;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          reject(
            new KubeApiError(
              body?.message ?? `GET ${path} answered ${status}`,
              status,
              body?.reason,
            ),
          );
        });
        res.on('error', reject);
      });
      req.setTimeout(options.timeoutMs ?? 60_000, () =>
        req.destroy(new Error(`GET ${path} timed out`)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * Opens a watch; `onDone` is called once when it ends for any reason.
   * Returns a function that closes it.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: WatchHandler,
    onDone: (error?: unknown) => void,
  ): Promise<() => void> {
    this.requests++;
    const controller = await this.watcher.watch(
      path,
      query,
      (type, object) => onEvent(type, object),
      error => onDone(error ?? undefined),
    );
    return () => controller.abort();
  }

  /**
   * The last lines of a container's log (or its previous instance's). A
   * plain GET with the KubeConfig's credentials: the generated CoreV1Api
   * kept ~30 KB on the heap per call (measured in the telemetry benchmark).
   */
  async readLog(options: {
    namespace: string;
    pod: string;
    container: string;
    previous: boolean;
    tailLines: number;
    limitBytes: number;
  }): Promise<string> {
    return this.getText(
      `/api/v1/namespaces/${encodeURIComponent(
        options.namespace,
      )}/pods/${encodeURIComponent(options.pod)}/log`,
      {
        container: options.container,
        previous: options.previous ? 'true' : undefined,
        tailLines: options.tailLines,
        limitBytes: options.limitBytes,
      },
    );
  }
}
