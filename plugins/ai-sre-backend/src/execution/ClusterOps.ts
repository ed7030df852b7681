/**
 * The cluster operations the execution layer uses, through
 * `@kubernetes/client-node` (generic object API for reads and patches,
 * CoreV1 for evictions). Every write takes a dry-run flag, sent as
 * `dryRun=All` so the API server validates and admits it without
 * persisting anything.
 */
import type { Change } from '@internal/plugin-ai-sre-common';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
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

function header(object: ObjectHeader): KubernetesObject {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: object.name,
      ...(object.namespace ? { namespace: object.namespace } : {}),
    },
  };
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

export class KubernetesClusterOps implements ClusterOps {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;

  constructor(
    private readonly options: {
      kubeConfig: KubeConfig;
      cluster: string;
      now(): number;
      /** Recorded changes of one object, newest first. */
      changes(cluster: string, objectRef: string): Promise<Change[]>;
    },
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(options.kubeConfig);
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
  }

  now(): number {
    return this.options.now();
  }

  read(object: ObjectHeader): Promise<KubernetesObject> {
    return this.objects.read(header(object) as any);
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace?: string,
    fieldSelector?: string,
  ): Promise<KubernetesObject[]> {
    const items: KubernetesObject[] = [];
    let continueToken: string | undefined;
    do {
      const page = await this.objects.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        fieldSelector,
        undefined,
        500,
        continueToken,
      );
      items.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
    return items;
  }

  patch(
    object: ObjectHeader,
    patch: object,
    strategy: PatchStrategy,
    dryRun: boolean,
  ): Promise<KubernetesObject> {
    const body = Array.isArray(patch) ? patch : { ...header(object), ...patch };
    return this.objects.patch(
      body as any,
      undefined,
      dryRun ? 'All' : undefined,
      'ai-sre',
      undefined,
      strategy,
    );
  }

  replace(
    object: KubernetesObject,
    dryRun: boolean,
  ): Promise<KubernetesObject> {
    return this.objects.replace(
      object,
      undefined,
      dryRun ? 'All' : undefined,
      'ai-sre',
    );
  }

  async evict(pod: ObjectHeader, dryRun: boolean): Promise<void> {
    await this.core.createNamespacedPodEviction({
      name: pod.name,
      namespace: pod.namespace!,
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: pod.name, namespace: pod.namespace },
      },
      dryRun: dryRun ? 'All' : undefined,
    });
  }

  async delete(object: ObjectHeader, dryRun: boolean): Promise<void> {
    await this.objects.delete(
      header(object),
      undefined,
      dryRun ? 'All' : undefined,
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
