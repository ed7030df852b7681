import type { ObjectRef } from '@internal/plugin-ai-sre-common';
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import type { K8sObject } from '@internal/plugin-ai-sre-node';
import { refOf } from './detectors/util';
import { ObjectCache } from './ObjectCache';

/** One edge of the service dependency graph. */
export interface DependencyEdge {
  /** The calling workload. */
  from: ObjectRef;
  /** The Service it calls. */
  service: ObjectRef;
  /** Workloads behind that Service (by its selector). */
  to: ObjectRef[];
  /** Where the edge was read, e.g. `env CATALOG_URL` or `log line`. */
  evidence: string;
}

const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
] as const;

/** `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`, with a port or a URL around it. */
const HOST =
  /(?:^|[^a-z0-9.-])([a-z0-9]([a-z0-9-]*[a-z0-9])?)(?:\.([a-z0-9]([a-z0-9-]*[a-z0-9])?))?(?:\.svc(?:\.cluster\.local)?)?(?=$|[:/\s"',;)])/g;

function templateOf(workload: K8sObject): any {
  return workload.kind === 'CronJob'
    ? workload.spec?.jobTemplate?.spec?.template
    : workload.spec?.template;
}

/** Literal strings a workload is configured with: env values and referenced ConfigMap data. */
function configuredStrings(
  cache: ObjectCache,
  workload: K8sObject,
): Array<{ text: string; where: string }> {
  const namespace = workload.metadata?.namespace;
  const spec = templateOf(workload)?.spec ?? {};
  const out: Array<{ text: string; where: string }> = [];
  for (const container of [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
  ]) {
    for (const env of container.env ?? []) {
      if (typeof env.value === 'string')
        out.push({ text: env.value, where: `env ${env.name}` });
      const ref = env.valueFrom?.configMapKeyRef;
      if (ref?.name && ref?.key) {
        const data = cache.get('ConfigMap', namespace, ref.name)?.data as
          | Record<string, string>
          | undefined;
        const value = data?.[ref.key];
        if (typeof value === 'string')
          out.push({
            text: value,
            where: `env ${env.name} (ConfigMap ${ref.name})`,
          });
      }
    }
    for (const source of container.envFrom ?? []) {
      const name = source.configMapRef?.name;
      const data = name
        ? (cache.get('ConfigMap', namespace, name) as any)?.data
        : undefined;
      for (const [key, value] of Object.entries<string>(data ?? {})) {
        out.push({ text: value, where: `ConfigMap ${name} ${key}` });
      }
    }
    for (const arg of [
      ...(container.command ?? []),
      ...(container.args ?? []),
    ]) {
      if (typeof arg === 'string') out.push({ text: arg, where: 'command' });
    }
  }
  return out;
}

function selects(service: K8sObject, labels: Record<string, string>): boolean {
  const selector = service.spec?.selector as Record<string, string> | undefined;
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(
    ([key, value]) => labels[key] === value,
  );
}

/** Workloads whose pod template the Service selects. */
export function workloadsBehind(
  cache: ObjectCache,
  service: K8sObject,
): ObjectRef[] {
  const namespace = service.metadata?.namespace;
  return WORKLOAD_KINDS.flatMap(kind =>
    cache
      .list(kind, namespace)
      .filter(w => selects(service, templateOf(w)?.metadata?.labels ?? {}))
      .map(refOf),
  );
}

/** Services a piece of text names (host names resolved in the caller's namespace). */
export function servicesNamed(
  cache: ObjectCache,
  text: string,
  namespace: string | undefined,
): K8sObject[] {
  const found = new Map<string, K8sObject>();
  for (const match of text.toLowerCase().matchAll(HOST)) {
    const name = match[1];
    const ns = match[3] ?? namespace;
    // `name.ns` only counts as a namespace when one by that name has services.
    const service =
      cache.get('Service', ns, name) ??
      (match[3] ? undefined : cache.get('Service', namespace, name));
    if (service) found.set(formatObjectRef(refOf(service)), service);
  }
  return [...found.values()];
}

/**
 * The service dependency graph inferred from the cluster: a workload
 * depends on a Service its env values, referenced ConfigMaps or command
 * name (e.g. `postgres.bookstore.svc.cluster.local`,
 * `http://catalog-api.bookstore.svc:3000`), and through it on the
 * workloads the Service selects. Log lines naming hosts add edges too.
 */
export function inferDependencies(
  cache: ObjectCache,
  logLines: Array<{ workload: ObjectRef; line: string }> = [],
): DependencyEdge[] {
  const edges = new Map<string, DependencyEdge>();
  const add = (from: ObjectRef, service: K8sObject, evidence: string) => {
    const to = workloadsBehind(cache, service).filter(
      w => formatObjectRef(w) !== formatObjectRef(from),
    );
    const serviceRef = refOf(service);
    const key = `${formatObjectRef(from)}->${formatObjectRef(serviceRef)}`;
    if (!edges.has(key) && to.length)
      edges.set(key, { from, service: serviceRef, to, evidence });
  };
  for (const kind of WORKLOAD_KINDS) {
    for (const workload of cache.list(kind)) {
      const from = refOf(workload);
      for (const { text, where } of configuredStrings(cache, workload)) {
        for (const service of servicesNamed(
          cache,
          text,
          workload.metadata?.namespace,
        )) {
          add(from, service, where);
        }
      }
    }
  }
  for (const { workload, line } of logLines) {
    for (const service of servicesNamed(cache, line, workload.namespace)) {
      add(workload, service, 'log line');
    }
  }
  return [...edges.values()];
}
