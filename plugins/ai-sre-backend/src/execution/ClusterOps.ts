/**
 * The cluster operations the execution layer uses, through
 * `@kubernetes/client-node` (generic object API for reads and patches,
 * CoreV1 for evictions). Every write takes a dry-run flag, sent as
 * `dryRun=All` so the API server validates and admits it without
 * persisting anything.
 */
import type { Change } from '@internal/plugin-ai-sre-common';
import type {
  KubeConfig,
  KubernetesObject,
  PatchStrategy,
} from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import type { ObjectHeader } from './actions';

/** An earlier version of an object, rebuilt from a recorded change. */
export interface PreviousVersion {
  /** When the change that replaced it happened (ISO 8601). */
  at: string;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  spec?: Record<string, any>;
}

export interface ClusterOps {
  now(): number;
  read(object: ObjectHeader): Promise<KubernetesObject>;
  list(
    apiVersion: string,
    kind: string,
    namespace?: string,
    fieldSelector?: string,
  ): Promise<KubernetesObject[]>;
  patch(
    object: ObjectHeader,
    patch: object,
    strategy: PatchStrategy,
    dryRun: boolean,
  ): Promise<KubernetesObject>;
  /** Replaces the object (optimistic concurrency on its resourceVersion). */
  replace(object: KubernetesObject, dryRun: boolean): Promise<KubernetesObject>;
  evict(pod: ObjectHeader, dryRun: boolean): Promise<void>;
  delete(object: ObjectHeader, dryRun: boolean): Promise<void>;
  /** The object as it was before its most recent recorded change. */
  lastVersionBefore(object: ObjectHeader): Promise<PreviousVersion | undefined>;
}

/** A Kubernetes API error in plain words: status, reason and message. */
export function describeKubeError(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let body: any = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // keep the text
    }
  }
  if (body && typeof body === 'object' && body.message) {
    return `${e.code ?? body.code ?? ''} ${body.reason ?? ''}: ${
      body.message
    }`.trim();
  }
  return e.message ?? String(error);
}

/** Sets `path` (dotted, as changes record it) in `target` to `value`; undefined deletes. */
function setPath(target: Record<string, any>, path: string, value: unknown) {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part];
  }
  const last = parts[parts.length - 1];
  if (value === undefined || value === null) delete node[last];
  else node[last] = value;
}

/** Where each kind the actions touch lives in the API. */
const RESOURCES: Record<
  string,
  { group: string; plural: string; namespaced: boolean }
> = {
  Deployment: {
    group: 'apis/apps/v1',
    plural: 'deployments',
    namespaced: true,
  },
  StatefulSet: {
    group: 'apis/apps/v1',
    plural: 'statefulsets',
    namespaced: true,
  },
  DaemonSet: { group: 'apis/apps/v1', plural: 'daemonsets', namespaced: true },
  ReplicaSet: {
    group: 'apis/apps/v1',
    plural: 'replicasets',
    namespaced: true,
  },
  ControllerRevision: {
    group: 'apis/apps/v1',
    plural: 'controllerrevisions',
    namespaced: true,
  },
  HorizontalPodAutoscaler: {
    group: 'apis/autoscaling/v2',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  },
  CronJob: { group: 'apis/batch/v1', plural: 'cronjobs', namespaced: true },
  Job: { group: 'apis/batch/v1', plural: 'jobs', namespaced: true },
  PersistentVolumeClaim: {
    group: 'api/v1',
    plural: 'persistentvolumeclaims',
    namespaced: true,
  },
  ConfigMap: { group: 'api/v1', plural: 'configmaps', namespaced: true },
  Service: { group: 'api/v1', plural: 'services', namespaced: true },
  Pod: { group: 'api/v1', plural: 'pods', namespaced: true },
  Node: { group: 'api/v1', plural: 'nodes', namespaced: false },
};

/** An error answer of the API server, with its Status. */
export class KubeRequestError extends Error {
  constructor(readonly code: number, readonly body: unknown, message: string) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

/**
 * One JSON request to the API server with the KubeConfig's credentials
 * (tokens, client certificates, exec plugins, in-cluster); the body goes
 * out exactly as given. Errors carry the status and the Status body.
 */
export async function kubeJsonRequest<T = any>(
  kubeConfig: KubeConfig,
  method: string,
  path: string,
  options: {
    query?: Record<string, string | undefined>;
    body?: unknown;
    /** Content type of the body; patches name their strategy. */
    contentType?: string;
    signal?: AbortSignal;
    timeoutMs?: number;
  } = {},
): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const payload =
    options.body === undefined ? undefined : JSON.stringify(options.body);
  const requestOptions: https.RequestOptions = {
    method,
    headers: {
      accept: 'application/json',
      ...(payload !== undefined
        ? {
            'content-type': options.contentType ?? 'application/json',
            'content-length': Buffer.byteLength(payload),
          }
        : {}),
    },
    signal: options.signal,
  };
  await kubeConfig.applyToHTTPSOptions(requestOptions);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<T>((resolve, reject) => {
    const req = transport.request(url, requestOptions, res => {
      const chunks: Buffer[] = [];
      res.on('data', chunk => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: any;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(parsed as T);
        else
          reject(
            new KubeRequestError(
              status,
              parsed,
              `${method} ${path} answered ${status}: ${
                parsed?.message ?? text
              }`,
            ),
          );
      });
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () =>
      req.destroy(new Error(`${method} ${path} timed out`)),
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * Cluster operations as plain JSON requests authenticated by
 * `@kubernetes/client-node`'s KubeConfig (tokens, client certificates,
 * exec plugins, in-cluster): patch bodies reach the API server exactly as
 * written, strategic-merge directives such as `$patch: replace` included,
 * which the generated typed clients would drop.
 */
export class KubernetesClusterOps implements ClusterOps {
  constructor(
    private readonly options: {
      kubeConfig: KubeConfig;
      cluster: string;
      now(): number;
      /** Recorded changes of one object, newest first. */
      changes(cluster: string, objectRef: string): Promise<Change[]>;
      timeoutMs?: number;
    },
  ) {}

  now(): number {
    return this.options.now();
  }

  private path(kind: string, namespace?: string, name?: string, sub?: string) {
    const resource = RESOURCES[kind];
    if (!resource)
      throw new Error(`The execution layer does not handle ${kind}`);
    return [
      '',
      resource.group,
      ...(resource.namespaced && namespace ? ['namespaces', namespace] : []),
      resource.plural,
      ...(name ? [encodeURIComponent(name)] : []),
      ...(sub ? [sub] : []),
    ].join('/');
  }

  private request<T>(
    method: string,
    path: string,
    query: Record<string, string | undefined> = {},
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    return kubeJsonRequest<T>(this.options.kubeConfig, method, path, {
      query,
      body,
      contentType,
      timeoutMs: this.options.timeoutMs,
    });
  }

  read(object: ObjectHeader): Promise<KubernetesObject> {
    return this.request(
      'GET',
      this.path(object.kind, object.namespace, object.name),
    );
  }

  async list(
    _apiVersion: string,
    kind: string,
    namespace?: string,
    fieldSelector?: string,
  ): Promise<KubernetesObject[]> {
    const items: KubernetesObject[] = [];
    let continueToken: string | undefined;
    do {
      const page = await this.request<{
        items: KubernetesObject[];
        metadata?: { continue?: string };
      }>('GET', this.path(kind, namespace), {
        fieldSelector,
        limit: '500',
        continue: continueToken,
      });
      items.push(
        ...page.items.map(item => ({ apiVersion: _apiVersion, kind, ...item })),
      );
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  patch(
    object: ObjectHeader,
    patch: object,
    strategy: PatchStrategy,
    dryRun: boolean,
  ): Promise<KubernetesObject> {
    return this.request(
      'PATCH',
      this.path(object.kind, object.namespace, object.name),
      { dryRun: dryRun ? 'All' : undefined, fieldManager: 'ai-sre' },
      patch,
      strategy,
    );
  }

  replace(
    object: KubernetesObject,
    dryRun: boolean,
  ): Promise<KubernetesObject> {
    return this.request(
      'PUT',
      this.path(
        object.kind!,
        object.metadata?.namespace,
        object.metadata?.name,
      ),
      { dryRun: dryRun ? 'All' : undefined, fieldManager: 'ai-sre' },
      object,
    );
  }

  async evict(pod: ObjectHeader, dryRun: boolean): Promise<void> {
    await this.request(
      'POST',
      this.path('Pod', pod.namespace, pod.name, 'eviction'),
      { dryRun: dryRun ? 'All' : undefined },
      {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: pod.name, namespace: pod.namespace },
      },
    );
  }

  async delete(object: ObjectHeader, dryRun: boolean): Promise<void> {
    await this.request(
      'DELETE',
      this.path(object.kind, object.namespace, object.name),
      { dryRun: dryRun ? 'All' : undefined },
    );
  }

  async lastVersionBefore(
    object: ObjectHeader,
  ): Promise<PreviousVersion | undefined> {
    const ref = `${object.kind}/${
      object.namespace ? `${object.namespace}/` : ''
    }${object.name}`;
    const [latest] = await this.options.changes(this.options.cluster, ref);
    if (!latest || !latest.diff.length) return undefined;
    const current = (await this.read(object)) as Record<string, any>;
    const previous = structuredClone({
      data: current.data,
      binaryData: current.binaryData,
      spec: current.spec,
    });
    for (const line of latest.diff) {
      if (
        !/^(data|binaryData|spec)\./.test(line.path) ||
        line.path.includes('[')
      ) {
        return undefined;
      }
      setPath(previous, line.path, line.before);
    }
    return { at: latest.at, ...previous };
  }
}
