import type { Change } from '@internal/plugin-ai-sre-common';
import type {
  AiSreClock,
  AiSreTimer,
  K8sObject,
} from '@internal/plugin-ai-sre-node';
import { randomUUID } from 'node:crypto';
import { refOf } from '../detectors/util';
import type { CacheChange, ObjectCache } from '../ObjectCache';
import { DiffEntry, diffValues, jsonEqual } from './diff';
import {
  DEPLOYMENT_REVISION,
  isOwnedByCronJob,
  isWorkloadKind,
  NODE_CONDITIONS,
  projectAutoscaler,
  projectCronJobSchedule,
  projectNode,
  projectService,
  projectTemplate,
  templateOf,
  templatePath,
  workloadLabels,
} from './project';
import {
  referencingWorkloads,
  selectedWorkloads,
  WorkloadReference,
} from './references';
import {
  configKeyPhrase,
  genericPhrases,
  joinSummary,
  show,
  templatePhrases,
} from './summarize';

/** One version of a ConfigMap's data, as observed. */
export interface ConfigVersion {
  /** When this version was observed (ISO); the baseline's is the sync time. */
  at: string;
  resourceVersion?: string;
  data: Record<string, string>;
}

export interface ChangeTrackerOptions {
  cluster: string;
  clock: AiSreClock;
  /** The monitor's cache (`ClusterMonitor.cache`): references, ReplicaSets. */
  cache: ObjectCache;
  emit(change: Change): void;
  /** Versions kept per ConfigMap (default 5). */
  configVersions?: number;
  /**
   * How long a Deployment or StatefulSet revision change waits for its
   * revision number (the controller writes it after the template), in ms
   * of the clock (default 10 s); then it is emitted with `revision: null`.
   */
  revisionWaitMs?: number;
  /** Longest string value kept in a diff (default 4096 characters). */
  maxValueChars?: number;
  /** Objects whose changes are noise (default: {@link defaultIgnore}). */
  ignore?(kind: string, object: K8sObject): boolean;
  logger?: { warn(message: string, meta?: Record<string, unknown>): void };
}

/** How a cache change came about. */
export interface ObserveContext {
  /**
   * True for the changes of the first list of a kind (the initial sync):
   * they are the baseline, not changes. When omitted, adds of a kind are
   * baseline until {@link ChangeTracker.markSynced} was called for it.
   */
  initial?: boolean;
}

const IGNORED_CONFIGMAPS = new Set([
  'kube-root-ca.crt',
  'openshift-service-ca.crt',
  'istio-ca-root-cert',
]);

/**
 * Objects whose churn is not evidence: the CA bundles copied into every
 * namespace and the cluster autoscaler's status ConfigMap.
 */
export function defaultIgnore(kind: string, object: K8sObject): boolean {
  if (kind !== 'ConfigMap') return false;
  const meta = object.metadata ?? {};
  return (
    IGNORED_CONFIGMAPS.has(meta.name ?? '') ||
    (meta.namespace === 'kube-system' &&
      meta.name === 'cluster-autoscaler-status')
  );
}

interface PendingRevision {
  change: Change;
  kind: 'Deployment' | 'StatefulSet';
  uid?: string;
  /** The projected template the revision is for. */
  template: unknown;
  /** Deployment: the revision before; StatefulSet: the updateRevision before. */
  since: number | string | undefined;
  timer: AiSreTimer;
}

const MAX_DELETED_CONFIGMAPS = 200;

function keyOf(kind: string, namespace: string | undefined, name: string) {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function deploymentRevision(object: K8sObject | undefined): number {
  const n = Number(object?.metadata?.annotations?.[DEPLOYMENT_REVISION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function replicas(object: K8sObject | undefined): number {
  return object?.spec?.replicas ?? 1;
}

/**
 * Turns cache changes into {@link Change} evidence: workload revisions,
 * scaling, ConfigMap edits (with their last versions, to show a diff and
 * revert), Secret edits (keys and a content hash only), Service selector
 * and port edits, node condition transitions and autoscaler edits.
 *
 * ClusterMonitor forwards every cache change with whether it belongs to
 * the initial list of its kind: `observe(change, { initial })`.
 */
export class ChangeTracker {
  private readonly configs = new Map<string, ConfigVersion[]>();
  private readonly deletedConfigs: string[] = [];
  private readonly pending = new Map<string, PendingRevision>();
  private readonly syncedKinds = new Set<string>();
  private syncedAll = false;
  private readonly maxVersions: number;

  constructor(private readonly options: ChangeTrackerOptions) {
    this.maxVersions = Math.max(1, options.configVersions ?? 5);
  }

  /**
   * Marks a kind (or every kind) as synced: later adds without an explicit
   * `initial` are changes. Not needed when `observe` gets `initial`.
   */
  markSynced(kind?: string): void {
    if (kind) this.syncedKinds.add(kind);
    else this.syncedAll = true;
  }

  observe(change: CacheChange, context: ObserveContext = {}): void {
    const ignore = this.options.ignore ?? defaultIgnore;
    if (ignore(change.kind, change.object)) return;
    const initial =
      context.initial ?? !(this.syncedAll || this.syncedKinds.has(change.kind));
    // Only adds can be part of an initial list.
    const baseline = change.type === 'added' && initial;
    if (isWorkloadKind(change.kind)) {
      this.workload(change, baseline);
      return;
    }
    switch (change.kind) {
      case 'ReplicaSet':
        if (change.type !== 'deleted') this.replicaSet(change.object);
        return;
      case 'ConfigMap':
        this.configMap(change, baseline);
        return;
      case 'Secret':
        if (!baseline) this.secret(change);
        return;
      case 'Service':
        if (!baseline) this.service(change);
        return;
      case 'Node':
        if (!baseline) this.node(change);
        return;
      case 'HorizontalPodAutoscaler':
        if (!baseline) this.autoscaler(change);
        return;
      default:
        return;
    }
  }

  /** The observed versions of a ConfigMap, oldest first (at most N). */
  versions(namespace: string, name: string): ConfigVersion[] {
    return [...(this.configs.get(keyOf('ConfigMap', namespace, name)) ?? [])];
  }

  /** The version before the current one: what a revert restores. */
  previousVersion(namespace: string, name: string): ConfigVersion | undefined {
    const versions = this.versions(namespace, name);
    return versions.length >= 2 ? versions[versions.length - 2] : undefined;
  }

  /** The workloads whose pod template reads a ConfigMap or Secret. */
  referencingWorkloads(
    namespace: string,
    kind: 'ConfigMap' | 'Secret',
    name: string,
  ): WorkloadReference[] {
    return referencingWorkloads(this.options.cache, namespace, kind, name);
  }

  /** Emits the revisions still waiting for their number (as they are). */
  flush(): void {
    for (const pending of [...this.pending.values()]) this.release(pending);
  }

  stop(): void {
    this.flush();
  }

  // --- workloads -----------------------------------------------------------

  private workload(change: CacheChange, baseline: boolean): void {
    const { kind, object } = change;
    if (kind === 'Job' && isOwnedByCronJob(object)) return;
    const meta = object.metadata ?? {};
    const name = meta.name ?? '';
    const key = keyOf(kind, meta.namespace, name);
    const pending = this.pending.get(key);
    if (pending && change.type !== 'deleted') this.resolveFrom(pending, object);
    if (baseline) return;
    const path = templatePath(kind);

    if (change.type === 'deleted') {
      if (this.pending.has(key)) this.release(this.pending.get(key)!);
      const before = projectTemplate(templateOf(kind, object));
      this.send(
        this.make('workload-revision', kind, object, {
          summary: `${name}: ${kind} deleted`,
          diff: [{ path, before, after: undefined }],
          labels: workloadLabels(kind, object),
        }),
      );
      return;
    }

    if (change.type === 'added' || !change.previous) {
      const after = projectTemplate(templateOf(kind, object));
      const images = ((after.spec as any)?.containers ?? [])
        .map((c: any) => c.image)
        .join(', ');
      const scale =
        kind === 'Deployment' || kind === 'StatefulSet'
          ? `, replicas ${replicas(object)}`
          : '';
      this.revision(
        change,
        after,
        this.make('workload-revision', kind, object, {
          summary: `${name}: new ${kind} (image ${images}${scale})`,
          diff: [{ path, before: undefined, after }],
          labels: workloadLabels(kind, object),
        }),
      );
      return;
    }

    const previous = change.previous;
    const before = projectTemplate(templateOf(kind, previous));
    const after = projectTemplate(templateOf(kind, object));
    const diff = diffValues(before, after, path);
    const phrases = templatePhrases(name, before, after);
    if (kind === 'CronJob') {
      const scheduleBefore = projectCronJobSchedule(previous);
      const scheduleAfter = projectCronJobSchedule(object);
      diff.push(...diffValues(scheduleBefore, scheduleAfter, 'spec'));
      phrases.push(...genericPhrases(scheduleBefore, scheduleAfter));
    }
    if (diff.length) {
      // A second template change before the first got its number.
      const waiting = this.pending.get(key);
      if (waiting) this.release(waiting);
      this.revision(
        change,
        after,
        this.make('workload-revision', kind, object, {
          summary: joinSummary(
            name,
            phrases.length ? phrases : ['pod template changed'],
          ),
          diff,
          labels: workloadLabels(kind, object),
        }),
      );
    }

    if (
      (kind === 'Deployment' || kind === 'StatefulSet') &&
      replicas(previous) !== replicas(object)
    ) {
      const autoscalers = this.autoscalersOf(kind, meta.namespace, name);
      this.send(
        this.make('scale', kind, object, {
          summary: `${name}: replicas ${replicas(previous)} -> ${replicas(
            object,
          )}${
            autoscalers.length
              ? ` (HorizontalPodAutoscaler ${autoscalers.join(
                  ', ',
                )} manages it)`
              : ''
          }`,
          diff: [
            {
              path: 'spec.replicas',
              before: replicas(previous),
              after: replicas(object),
            },
          ],
          labels: workloadLabels(kind, object),
        }),
      );
    }
  }

  /** Emits a revision change now if its number is known, else waits. */
  private revision(
    cacheChange: CacheChange,
    template: unknown,
    change: Change,
  ): void {
    const { kind, object, previous } = cacheChange;
    if (kind === 'DaemonSet') {
      const generation = object.metadata?.generation;
      change.revision = generation !== undefined ? String(generation) : null;
    }
    if (kind !== 'Deployment' && kind !== 'StatefulSet') {
      this.send(change);
      return;
    }
    const since =
      kind === 'Deployment'
        ? deploymentRevision(previous)
        : (previous?.status?.updateRevision as string | undefined);
    const meta = object.metadata ?? {};
    const key = keyOf(kind, meta.namespace, meta.name ?? '');
    const pending: PendingRevision = {
      change,
      kind,
      uid: meta.uid,
      template,
      since,
      timer: this.options.clock.setTimeout(() => {
        if (this.pending.get(key) === pending) this.release(pending);
      }, this.options.revisionWaitMs ?? 10_000),
    };
    this.pending.set(key, pending);
    this.resolveFrom(pending, object);
    if (this.pending.get(key) !== pending || kind !== 'Deployment') return;
    // The new ReplicaSet may already be cached.
    for (const rs of this.options.cache.list('ReplicaSet', meta.namespace)) {
      this.replicaSet(rs);
      if (this.pending.get(key) !== pending) return;
    }
  }

  /** Resolves a pending revision from its workload's latest version. */
  private resolveFrom(pending: PendingRevision, object: K8sObject): void {
    if (pending.kind === 'Deployment') {
      const revision = deploymentRevision(object);
      if (revision > (pending.since as number)) {
        this.release(pending, String(revision));
      }
    } else {
      const revision = object.status?.updateRevision;
      if (revision && revision !== pending.since) {
        this.release(pending, String(revision));
      }
    }
  }

  /** A ReplicaSet whose template is a pending Deployment revision's. */
  private replicaSet(rs: K8sObject): void {
    if (!this.pending.size) return;
    const owner = (rs.metadata?.ownerReferences ?? []).find(
      o => o.kind === 'Deployment',
    );
    if (!owner) return;
    const pending = this.pending.get(
      keyOf('Deployment', rs.metadata?.namespace, owner.name ?? ''),
    );
    if (!pending || (pending.uid && owner.uid && pending.uid !== owner.uid)) {
      return;
    }
    const revision = deploymentRevision(rs);
    if (
      revision > (pending.since as number) &&
      jsonEqual(projectTemplate(rs.spec?.template), pending.template)
    ) {
      this.release(pending, String(revision));
    }
  }

  private release(pending: PendingRevision, revision?: string): void {
    pending.timer.cancel();
    const object = pending.change.object;
    const key = keyOf(pending.kind, object.namespace, object.name);
    if (this.pending.get(key) === pending) this.pending.delete(key);
    if (revision !== undefined) pending.change.revision = revision;
    this.send(pending.change);
  }

  private autoscalersOf(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): string[] {
    return this.options.cache
      .list('HorizontalPodAutoscaler', namespace)
      .filter(
        hpa =>
          hpa.spec?.scaleTargetRef?.kind === kind &&
          hpa.spec?.scaleTargetRef?.name === name,
      )
      .map(hpa => hpa.metadata?.name ?? '');
  }

  // --- ConfigMaps and Secrets ------------------------------------------------

  private record(key: string, object: K8sObject): void {
    const versions = this.configs.get(key) ?? [];
    const resourceVersion = object.metadata?.resourceVersion;
    const last = versions[versions.length - 1];
    if (last && resourceVersion && last.resourceVersion === resourceVersion) {
      return;
    }
    versions.push({
      at: this.now(),
      ...(resourceVersion ? { resourceVersion } : {}),
      data: { ...((object.data as Record<string, string>) ?? {}) },
    });
    if (versions.length > this.maxVersions) {
      versions.splice(0, versions.length - this.maxVersions);
    }
    this.configs.set(key, versions);
  }

  private configMap(change: CacheChange, baseline: boolean): void {
    const { object } = change;
    const meta = object.metadata ?? {};
    const name = meta.name ?? '';
    const key = keyOf('ConfigMap', meta.namespace, name);
    const data = (object.data as Record<string, string>) ?? {};

    if (change.type === 'deleted') {
      this.deletedConfigs.push(key);
      while (this.deletedConfigs.length > MAX_DELETED_CONFIGMAPS) {
        const evicted = this.deletedConfigs.shift()!;
        if (!this.deletedConfigs.includes(evicted))
          this.configs.delete(evicted);
      }
      this.sendConfig(object, data, {}, 'deleted');
      return;
    }
    const revived = this.deletedConfigs.indexOf(key);
    if (revived >= 0) this.deletedConfigs.splice(revived, 1);

    if (change.type === 'added' || !change.previous) {
      this.record(key, object);
      if (!baseline) this.sendConfig(object, {}, data, 'created');
      return;
    }
    const before = (change.previous.data as Record<string, string>) ?? {};
    if (jsonEqual(before, data)) return;
    if (!this.configs.has(key)) this.record(key, change.previous);
    this.record(key, object);
    this.sendConfig(object, before, data);
  }

  private sendConfig(
    object: K8sObject,
    before: Record<string, string>,
    after: Record<string, string>,
    lifecycle?: 'created' | 'deleted',
  ): void {
    const meta = object.metadata ?? {};
    const name = meta.name ?? '';
    const refs = this.referencingWorkloads(
      meta.namespace ?? '',
      'ConfigMap',
      name,
    );
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const phrases = lifecycle
      ? [
          `ConfigMap ${lifecycle}${
            keys.length ? ` (keys ${keys.sort().join(', ')})` : ''
          }`,
        ]
      : keys
          .filter(k => before[k] !== after[k])
          .sort()
          .map(k => configKeyPhrase(k, before[k], after[k]));
    this.send(
      this.make('config', 'ConfigMap', object, {
        revision: meta.resourceVersion ?? null,
        summary: joinSummary(name, phrases) + readers(refs),
        diff: this.clipValues(diffValues(before, after, 'data')),
        labels: refs[0]?.labels ?? { ...(meta.labels ?? {}) },
      }),
    );
  }

  private secret(change: CacheChange): void {
    const { object } = change;
    const meta = object.metadata ?? {};
    const name = meta.name ?? '';
    const [was, is] = sides(change);
    const keysBefore: string[] = (was?.keys as string[]) ?? [];
    const keysAfter: string[] = (is?.keys as string[]) ?? [];
    const hashBefore = was?.hash;
    const hashAfter = is?.hash;
    if (
      change.type === 'updated' &&
      hashBefore === hashAfter &&
      jsonEqual(keysBefore, keysAfter)
    ) {
      return;
    }
    const diff: DiffEntry[] = [];
    if (!jsonEqual(keysBefore, keysAfter)) {
      diff.push({
        path: 'keys',
        before: was ? keysBefore : undefined,
        after: is ? keysAfter : undefined,
      });
    }
    if (hashBefore !== hashAfter) {
      diff.push({ path: 'hash', before: hashBefore, after: hashAfter });
    }
    const phrases: string[] = [];
    if (change.type === 'added' || change.type === 'deleted') {
      phrases.push(
        `Secret ${change.type === 'added' ? 'created' : 'deleted'}${
          (object.keys as string[])?.length
            ? ` (keys ${(object.keys as string[]).join(', ')})`
            : ''
        }`,
      );
    } else {
      for (const k of keysAfter.filter(x => !keysBefore.includes(x))) {
        phrases.push(`key ${k} added`);
      }
      for (const k of keysBefore.filter(x => !keysAfter.includes(x))) {
        phrases.push(`key ${k} removed`);
      }
      if (hashBefore !== hashAfter) {
        phrases.push(
          `${phrases.length ? 'content hash' : 'values changed, hash'} ${show(
            hashBefore,
          )} -> ${show(hashAfter)}`,
        );
      }
    }
    const refs = this.referencingWorkloads(
      meta.namespace ?? '',
      'Secret',
      name,
    );
    this.send(
      this.make('secret', 'Secret', object, {
        revision: meta.resourceVersion ?? null,
        summary: joinSummary(name, phrases) + readers(refs),
        diff,
        labels: refs[0]?.labels ?? { ...(meta.labels ?? {}) },
      }),
    );
  }

  // --- Services, nodes, autoscalers ------------------------------------------

  private service(change: CacheChange): void {
    const { object } = change;
    const meta = object.metadata ?? {};
    const name = meta.name ?? '';
    const namespace = meta.namespace ?? '';
    const [was, is] = sides(change);
    const before = was ? projectService(was) : undefined;
    const after = is ? projectService(is) : undefined;
    if (change.type === 'updated' && jsonEqual(before, after)) return;
    const selectedBefore = before
      ? selectedWorkloads(this.options.cache, namespace, before.selector)
      : [];
    const selectedAfter = after
      ? selectedWorkloads(this.options.cache, namespace, after.selector)
      : [];
    const names = (list: typeof selectedAfter) =>
      list.length
        ? list.map(s => `${s.workload.kind} ${s.workload.name}`).join(', ')
        : 'no workload';
    const phrases: string[] = [];
    if (!before) {
      phrases.push(
        `Service created (selector ${show(after!.selector)}; selects ${names(
          selectedAfter,
        )})`,
      );
    } else if (!after) {
      phrases.push(`Service deleted (it selected ${names(selectedBefore)})`);
    } else {
      if (before.type !== after.type) {
        phrases.push(`type ${before.type} -> ${after.type}`);
      }
      if (!jsonEqual(before.selector, after.selector)) {
        phrases.push(
          `selector ${show(before.selector)} -> ${show(after.selector)}`,
        );
        if (names(selectedBefore) !== names(selectedAfter)) {
          phrases.push(
            `now selects ${names(selectedAfter)} (was ${names(
              selectedBefore,
            )})`,
          );
        }
      }
      if (!jsonEqual(before.ports, after.ports)) {
        phrases.push(...genericPhrases(before.ports, after.ports, 'port'));
      }
    }
    this.send(
      this.make('service', 'Service', object, {
        summary: joinSummary(name, phrases),
        diff: diffValues(before, after, 'spec'),
        labels: (selectedAfter[0] ?? selectedBefore[0])?.labels ?? {
          ...(meta.labels ?? {}),
        },
      }),
    );
  }

  private node(change: CacheChange): void {
    const { object } = change;
    const name = object.metadata?.name ?? '';
    if (change.type !== 'updated' || !change.previous) {
      this.send(
        this.make('node-condition', 'Node', object, {
          summary: `${name}: node ${
            change.type === 'deleted' ? 'removed from' : 'joined'
          } the cluster`,
          diff:
            change.type === 'deleted'
              ? diffValues(projectNode(object), undefined)
              : diffValues(undefined, projectNode(object)),
          labels: {},
        }),
      );
      return;
    }
    const before = projectNode(change.previous);
    const after = projectNode(object);
    const diff = diffValues(before, after);
    if (!diff.length) return;
    const phrases: string[] = [];
    const conditions = (object.status?.conditions ?? []) as any[];
    for (const type of NODE_CONDITIONS) {
      const b = before.status.conditions.find(c => c.type === type)?.status;
      const a = after.status.conditions.find(c => c.type === type)?.status;
      if (a === b) continue;
      const reason = conditions.find(c => c.type === type)?.reason;
      phrases.push(
        `${type} ${b ?? '(none)'} -> ${a ?? '(none)'}${
          reason ? ` (${reason})` : ''
        }`,
      );
    }
    if (before.spec.unschedulable !== after.spec.unschedulable) {
      phrases.push(
        after.spec.unschedulable ? 'cordoned (unschedulable)' : 'uncordoned',
      );
    }
    for (const taint of after.spec.taints) {
      if (!before.spec.taints.includes(taint)) {
        phrases.push(`taint ${taint} added`);
      }
    }
    for (const taint of before.spec.taints) {
      if (!after.spec.taints.includes(taint)) {
        phrases.push(`taint ${taint} removed`);
      }
    }
    this.send(
      this.make('node-condition', 'Node', object, {
        summary: joinSummary(name, phrases),
        diff,
        labels: {},
      }),
    );
  }

  private autoscaler(change: CacheChange): void {
    const { object } = change;
    const meta = object.metadata ?? {};
    const name = meta.name ?? '';
    const [was, is] = sides(change);
    const before = was ? projectAutoscaler(was) : undefined;
    const after = is ? projectAutoscaler(is) : undefined;
    if (change.type === 'updated' && jsonEqual(before, after)) return;
    const target = object.spec?.scaleTargetRef;
    const workload = target
      ? this.options.cache.get(target.kind, meta.namespace, target.name)
      : undefined;
    const phrases =
      before && after
        ? genericPhrases(before, after)
        : [
            `HorizontalPodAutoscaler ${after ? 'created' : 'deleted'} (${
              target ? `${target.kind} ${target.name}, ` : ''
            }replicas ${show((after ?? before)!.minReplicas)}..${show(
              (after ?? before)!.maxReplicas,
            )})`,
          ];
    this.send(
      this.make('autoscaler', 'HorizontalPodAutoscaler', object, {
        summary: joinSummary(name, phrases),
        diff: diffValues(before, after, 'spec'),
        labels: workload
          ? workloadLabels(target.kind, workload)
          : { ...(meta.labels ?? {}) },
      }),
    );
  }

  // --- plumbing ----------------------------------------------------------------

  private now(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  private make(
    kind: Change['kind'],
    objectKind: string,
    object: K8sObject,
    fields: Pick<Change, 'summary' | 'diff' | 'labels'> &
      Partial<Pick<Change, 'revision'>>,
  ): Change {
    return {
      id: randomUUID(),
      cluster: this.options.cluster,
      object: refOf({ ...object, kind: objectKind }),
      kind,
      at: this.now(),
      revision: fields.revision ?? null,
      summary: fields.summary,
      diff: fields.diff,
      labels: fields.labels,
      entityRefs: [],
    };
  }

  private clipValues(diff: DiffEntry[]): DiffEntry[] {
    const max = this.options.maxValueChars ?? 4096;
    const clip = (value: unknown) =>
      typeof value === 'string' && value.length > max
        ? `${value.slice(0, max)}… (${value.length} characters)`
        : value;
    return diff.map(entry => ({
      path: entry.path,
      before: clip(entry.before),
      after: clip(entry.after),
    }));
  }

  private send(change: Change): void {
    try {
      this.options.emit(change);
    } catch (error) {
      this.options.logger?.warn('Emitting a change failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The object before and after a cache change (undefined: absent). */
function sides(
  change: CacheChange,
): [K8sObject | undefined, K8sObject | undefined] {
  switch (change.type) {
    case 'added':
      return [undefined, change.object];
    case 'deleted':
      return [change.object, undefined];
    default:
      return [change.previous, change.object];
  }
}

/** `; read by Deployment orders (env CACHE_TTL), ...` for ConfigMaps/Secrets. */
function readers(refs: WorkloadReference[]): string {
  if (!refs.length) return '; no workload reads it';
  const shown = refs
    .slice(0, 5)
    .map(r => `${r.workload.kind} ${r.workload.name} (${r.via.join(', ')})`);
  const rest = refs.length - shown.length;
  return `; read by ${shown.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}

export type { WorkloadReference };
