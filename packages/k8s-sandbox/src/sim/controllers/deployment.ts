/**
 * The Deployment controller, after k8s.io/kubernetes/pkg/controller/deployment:
 * finds or creates the new ReplicaSet (`<name>-<pod-template-hash>`, found
 * by template so that `kubectl rollout undo` re-uses the old one), rolls out
 * with RollingUpdate or Recreate, scales proportionally, cleans up history
 * and keeps status and conditions as Kubernetes does.
 */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import {
  byCreation,
  deploymentCondition,
  DESIRED_REPLICAS,
  equalIgnoreHash,
  HASH_LABEL,
  isComplete,
  isOwnedRs,
  isProgressing,
  isRolling,
  MAX_REPLICAS,
  maxSurge,
  maxUnavailable,
  newCondition,
  progressDeadline,
  removeDeploymentCondition,
  REVISION,
  revisionOf,
  replicasOf,
  setDeploymentCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumReplicas,
  sumStatus,
  timedOut,
} from './deploymentUtil';
import { Env, Loop, podsControlledBy, recordEvent } from './env';
import {
  clone,
  controllerRef,
  isTerminal,
  keyOf,
  Obj,
  ownerRefTo,
  parseTime,
  splitKey,
  templateHash,
} from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'deployment-controller';

/** One sync of one Deployment. */
class DeploymentSync {
  private d!: Obj;
  private requeue?: number;

  constructor(private readonly env: Env, private readonly key: string) {}

  run(): number | undefined {
    const [ns, name] = splitKey(this.key);
    const d = this.env.ctx.store.tryGet('apps/deployments', ns, name);
    if (!d) return undefined;
    this.d = clone(d) as Obj;
    const rsList = this.ownedReplicaSets();
    if (this.d.metadata.deletionTimestamp) {
      this.syncStatusOnly(rsList);
      return undefined;
    }
    this.checkPausedConditions();
    if (this.d.spec?.paused || this.isScalingEvent(rsList)) {
      this.sync(rsList);
    } else if (isRolling(this.d)) {
      this.rolloutRolling(rsList);
    } else {
      this.rolloutRecreate(rsList);
    }
    return this.requeue;
  }

  private get now(): number {
    return this.env.ctx.clock.now();
  }

  private ownedReplicaSets(): Obj[] {
    const uid = this.d.metadata.uid;
    return this.env.inf.replicaSets
      .list(this.d.metadata.namespace)
      .filter(rs => isOwnedRs(rs, uid))
      .map(rs => clone(rs) as Obj)
      .sort(byCreation);
  }

  // ------------------------------------------------------------ new RS

  private findNewReplicaSet(rsList: Obj[]): Obj | undefined {
    return rsList.find(rs =>
      equalIgnoreHash(rs.spec?.template, this.d.spec?.template),
    );
  }

  private getAllReplicaSets(
    rsList: Obj[],
    create: boolean,
  ): { newRS?: Obj; oldRSs: Obj[] } {
    const found = this.findNewReplicaSet(rsList);
    const oldRSs = rsList.filter(rs => rs !== found);
    const newRS = this.getNewReplicaSet(found, oldRSs, create);
    return { newRS, oldRSs };
  }

  private getNewReplicaSet(
    existing: Obj | undefined,
    oldRSs: Obj[],
    create: boolean,
  ): Obj | undefined {
    const maxOld = oldRSs.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    const newRevision = maxOld + 1;
    if (existing) return this.syncExistingNewRS(existing, newRevision);
    if (!create) return undefined;
    return this.createNewRS(oldRSs, newRevision);
  }

  private syncExistingNewRS(existing: Obj, newRevision: number): Obj {
    let rs = existing;
    const annotationsChanged = setNewReplicaSetAnnotations(
      this.d,
      rs,
      newRevision,
      true,
    );
    const minReady = this.d.spec?.minReadySeconds ?? 0;
    if (annotationsChanged || (rs.spec.minReadySeconds ?? 0) !== minReady) {
      rs.spec.minReadySeconds = minReady;
      rs = this.writeRS(rs);
    }
    let statusChanged = false;
    const revisionChanged = this.setDeploymentRevision(
      rs.metadata.annotations?.[REVISION],
    );
    const status = this.d.status ?? {};
    if (
      progressDeadline(this.d) !== undefined &&
      !deploymentCondition(status, 'Progressing')
    ) {
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          'FoundNewReplicaSet',
          `Found new replica set "${rs.metadata.name}"`,
          this.now,
        ),
      );
      this.d.status = status;
      statusChanged = true;
    }
    if (revisionChanged) this.writeDeploymentMeta();
    if (statusChanged) this.writeDeploymentStatus(this.d.status);
    return rs;
  }

  private createNewRS(oldRSs: Obj[], newRevision: number): Obj | undefined {
    const d = this.d;
    const collisions = d.status?.collisionCount ?? 0;
    const template = clone(d.spec?.template ?? {});
    const hash = templateHash(template, collisions);
    template.metadata ??= {};
    template.metadata.labels = {
      ...(template.metadata.labels ?? {}),
      [HASH_LABEL]: hash,
    };
    const selector = clone(d.spec?.selector ?? {});
    selector.matchLabels = {
      ...(selector.matchLabels ?? {}),
      [HASH_LABEL]: hash,
    };
    const rs: Obj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [ownerRefTo(d)],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec?.minReadySeconds ?? 0,
        selector,
        template,
      },
    };
    rs.spec.replicas = this.newRSNewReplicas([...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let created: Obj;
    try {
      created = clone(this.env.ctx.store.create(rs as KubeObject)) as Obj;
    } catch (error) {
      if (error instanceof ApiError && error.reason === 'AlreadyExists') {
        return this.handleCollision(rs);
      }
      throw error;
    }
    if (created.spec.replicas > 0) {
      recordEvent(
        this.env,
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata.name} from 0 to ${created.spec.replicas}`,
        COMPONENT,
      );
    }
    if (this.setDeploymentRevision(String(newRevision)))
      this.writeDeploymentMeta();
    if (progressDeadline(d) !== undefined) {
      const status = d.status ?? {};
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          'NewReplicaSetCreated',
          `Created new replica set "${created.metadata.name}"`,
          this.now,
        ),
      );
      this.d.status = status;
      this.writeDeploymentStatus(status);
    }
    return created;
  }

  /** A ReplicaSet of that name with another template: bump collisionCount. */
  private handleCollision(rs: Obj): Obj | undefined {
    const existing = this.env.ctx.store.tryGet(
      'apps/replicasets',
      rs.metadata.namespace,
      rs.metadata.name,
    );
    if (
      existing &&
      equalIgnoreHash((existing as Obj).spec?.template, this.d.spec?.template)
    ) {
      return clone(existing) as Obj;
    }
    const status = { ...(this.d.status ?? {}) };
    status.collisionCount = (status.collisionCount ?? 0) + 1;
    this.d.status = status;
    this.writeDeploymentStatus(status);
    this.requeue = 0;
    return undefined;
  }

  private setDeploymentRevision(revision: string | undefined): boolean {
    if (!revision) return false;
    const annotations = this.d.metadata.annotations ?? {};
    if (annotations[REVISION] === revision) return false;
    this.d.metadata.annotations = { ...annotations, [REVISION]: revision };
    return true;
  }

  private newRSNewReplicas(allRSs: Obj[], newRS: Obj): number {
    const desired = replicasOf(this.d);
    if (!isRolling(this.d)) return desired;
    const current = sumReplicas(allRSs);
    const maxTotal = desired + maxSurge(this.d);
    if (current >= maxTotal) return newRS.spec.replicas;
    const scaleUp = Math.min(maxTotal - current, desired - newRS.spec.replicas);
    return newRS.spec.replicas + scaleUp;
  }

  // ------------------------------------------------------------ scaling

  private scaleRS(rs: Obj, replicas: number): boolean {
    const from = rs.spec.replicas ?? 0;
    const sizeChanged = from !== replicas;
    const d = this.d;
    const annotationsChanged = setReplicasAnnotations(
      rs,
      replicasOf(d),
      replicasOf(d) + maxSurge(d),
    );
    if (!sizeChanged && !annotationsChanged) return false;
    rs.spec.replicas = replicas;
    Object.assign(rs, this.writeRS(rs));
    if (sizeChanged) {
      const direction = replicas > from ? 'up' : 'down';
      recordEvent(
        this.env,
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
        COMPONENT,
      );
    }
    return sizeChanged;
  }

  private writeRS(rs: Obj): Obj {
    const latest = this.env.ctx.store.get(
      'apps/replicasets',
      rs.metadata.namespace,
      rs.metadata.name,
    );
    const next = {
      ...latest,
      metadata: { ...latest.metadata, annotations: rs.metadata.annotations },
      spec: rs.spec,
    };
    return clone(this.env.ctx.store.update(next as KubeObject)) as Obj;
  }

  private isScalingEvent(rsList: Obj[]): boolean {
    return rsList
      .filter(rs => (rs.spec?.replicas ?? 0) > 0)
      .some(rs => {
        const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
        return desired !== undefined && Number(desired) !== replicasOf(this.d);
      });
  }

  /** Scaling or paused: no new ReplicaSet, proportional scaling. */
  private sync(rsList: Obj[]): void {
    const { newRS, oldRSs } = this.getAllReplicaSets(rsList, false);
    this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) this.cleanup(oldRSs);
    const all = newRS ? [...oldRSs, newRS] : oldRSs;
    this.writeStatusIfChanged(this.calculateStatus(all, newRS));
  }

  private scale(newRS: Obj | undefined, oldRSs: Obj[]): void {
    const d = this.d;
    const desired = replicasOf(d);
    const activeOrLatest = this.findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (activeOrLatest.spec.replicas !== desired)
        this.scaleRS(activeOrLatest, desired);
      return;
    }
    if (newRS && this.isSaturated(newRS)) {
      for (const rs of oldRSs.filter(r => r.spec.replicas > 0))
        this.scaleRS(rs, 0);
      return;
    }
    if (!isRolling(d)) return;
    this.scaleProportionally(newRS ? [...oldRSs, newRS] : oldRSs);
  }

  private scaleProportionally(rss: Obj[]): void {
    const d = this.d;
    const desired = replicasOf(d);
    const all = rss.filter(rs => rs.spec.replicas > 0);
    const allowed = desired > 0 ? desired + maxSurge(d) : 0;
    const toAdd = allowed - sumReplicas(all);
    if (toAdd > 0) {
      all.sort(
        (a, b) => b.spec.replicas - a.spec.replicas || -byCreation(a, b),
      );
    } else if (toAdd < 0) {
      all.sort((a, b) => b.spec.replicas - a.spec.replicas || byCreation(a, b));
    }
    let added = 0;
    const sizes = new Map<Obj, number>();
    for (const rs of all) {
      const proportion = toAdd === 0 ? 0 : this.proportion(rs, toAdd, added);
      sizes.set(rs, rs.spec.replicas + proportion);
      added += proportion;
    }
    all.forEach((rs, i) => {
      let size = sizes.get(rs)!;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleRS(rs, size);
    });
  }

  private proportion(rs: Obj, toAdd: number, added: number): number {
    if (!rs.spec.replicas || toAdd === added) return 0;
    const d = this.d;
    const desired = replicasOf(d);
    let fraction: number;
    if (desired === 0) {
      fraction = -rs.spec.replicas;
    } else {
      const deploymentReplicas = desired + maxSurge(d);
      const annotated =
        Number(
          rs.metadata.annotations?.[MAX_REPLICAS] ?? d.status?.replicas ?? 0,
        ) || 1;
      fraction =
        Math.round((rs.spec.replicas * deploymentReplicas) / annotated) -
        rs.spec.replicas;
    }
    const allowed = toAdd - added;
    return toAdd > 0
      ? Math.min(fraction, allowed)
      : Math.max(fraction, allowed);
  }

  private findActiveOrLatest(
    newRS: Obj | undefined,
    oldRSs: Obj[],
  ): Obj | undefined {
    if (!newRS && oldRSs.length === 0) return undefined;
    const newestFirst = [...oldRSs].sort((a, b) => -byCreation(a, b));
    const all = (newRS ? [...newestFirst, newRS] : newestFirst).filter(
      rs => rs.spec.replicas > 0,
    );
    if (all.length === 0) return newRS ?? newestFirst[0];
    return all.length === 1 ? all[0] : undefined;
  }

  private isSaturated(rs: Obj): boolean {
    const desired = replicasOf(this.d);
    return (
      rs.spec.replicas === desired &&
      Number(rs.metadata.annotations?.[DESIRED_REPLICAS]) === desired &&
      (rs.status?.availableReplicas ?? 0) === desired
    );
  }

  // ------------------------------------------------------------ rolling

  private rolloutRolling(rsList: Obj[]): void {
    const { newRS, oldRSs } = this.getAllReplicaSets(rsList, true);
    if (!newRS) return;
    const all = [...oldRSs, newRS];
    if (this.reconcileNewReplicaSet(all, newRS)) {
      this.syncRolloutStatus(all, newRS);
      return;
    }
    if (
      this.reconcileOldReplicaSets(
        all,
        oldRSs.filter(rs => rs.spec.replicas > 0),
        newRS,
      )
    ) {
      this.syncRolloutStatus(all, newRS);
      return;
    }
    if (isComplete(this.d, this.d.status ?? {})) this.cleanup(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  private reconcileNewReplicaSet(all: Obj[], newRS: Obj): boolean {
    const desired = replicasOf(this.d);
    if (newRS.spec.replicas === desired) return false;
    if (newRS.spec.replicas > desired) return this.scaleRS(newRS, desired);
    return this.scaleRS(newRS, this.newRSNewReplicas(all, newRS));
  }

  private reconcileOldReplicaSets(
    all: Obj[],
    oldRSs: Obj[],
    newRS: Obj,
  ): boolean {
    if (sumReplicas(oldRSs) === 0) return false;
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newUnavailable =
      newRS.spec.replicas - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sumReplicas(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    const cleaned = this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const scaled = this.scaleDownOldForRollingUpdate(
      [...oldRSs, newRS],
      oldRSs,
    );
    return cleaned + scaled > 0;
  }

  /** Old ReplicaSets lose their unavailable pods first. */
  private cleanupUnhealthyReplicas(oldRSs: Obj[], maxCleanup: number): number {
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= maxCleanup) break;
      const replicas = rs.spec.replicas;
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const count = Math.min(maxCleanup - total, replicas - available);
      this.scaleRS(rs, replicas - count);
      total += count;
    }
    return total;
  }

  private scaleDownOldForRollingUpdate(all: Obj[], oldRSs: Obj[]): number {
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const available = sumStatus(all, 'availableReplicas');
    if (available <= minAvailable) return 0;
    const totalDown = available - minAvailable;
    let done = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (done >= totalDown) break;
      if (rs.spec.replicas === 0) continue;
      const count = Math.min(rs.spec.replicas, totalDown - done);
      this.scaleRS(rs, rs.spec.replicas - count);
      done += count;
    }
    return done;
  }

  // ----------------------------------------------------------- recreate

  private rolloutRecreate(rsList: Obj[]): void {
    let { newRS, oldRSs } = this.getAllReplicaSets(rsList, false);
    let scaledDown = false;
    for (const rs of oldRSs.filter(r => r.spec.replicas > 0)) {
      scaledDown = this.scaleRS(rs, 0) || scaledDown;
    }
    const all = () => (newRS ? [...oldRSs, newRS] : oldRSs);
    if (scaledDown || this.oldPodsRunning(oldRSs)) {
      this.syncRolloutStatus(all(), newRS);
      return;
    }
    if (!newRS) ({ newRS, oldRSs } = this.getAllReplicaSets(rsList, true));
    if (newRS) this.scaleRS(newRS, replicasOf(this.d));
    if (isComplete(this.d, this.d.status ?? {})) this.cleanup(oldRSs);
    this.syncRolloutStatus(all(), newRS);
  }

  private oldPodsRunning(oldRSs: Obj[]): boolean {
    return oldRSs.some(rs =>
      podsControlledBy(this.env, rs.metadata.uid).some(p => !isTerminal(p)),
    );
  }

  // ------------------------------------------------------------ cleanup

  private cleanup(oldRSs: Obj[]): void {
    const limit = this.d.spec?.revisionHistoryLimit ?? 10;
    const alive = oldRSs.filter(rs => !rs.metadata.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    alive.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of alive.slice(0, diff)) {
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        rs.spec.replicas !== 0 ||
        (rs.metadata.generation ?? 1) > (rs.status?.observedGeneration ?? 0)
      ) {
        continue;
      }
      this.env.ctx.store.delete(
        'apps/replicasets',
        rs.metadata.namespace,
        rs.metadata.name,
      );
    }
  }

  // ------------------------------------------------------------- status

  private calculateStatus(all: Obj[], newRS: Obj | undefined): Obj {
    const d = this.d;
    const available = sumStatus(all, 'availableReplicas');
    const status: Obj = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: newRS ? newRS.status?.replicas ?? 0 : 0,
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sumReplicas(all) - available),
    };
    if (d.status?.collisionCount !== undefined)
      status.collisionCount = d.status.collisionCount;
    if (d.status?.conditions) status.conditions = clone(d.status.conditions);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    setDeploymentCondition(
      status,
      available >= minAvailable
        ? newCondition(
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
            this.now,
          )
        : newCondition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
            this.now,
          ),
    );
    return status;
  }

  private syncRolloutStatus(all: Obj[], newRS: Obj | undefined): void {
    const d = this.d;
    const status = this.calculateStatus(all, newRS);
    const deadline = progressDeadline(d);
    if (deadline === undefined)
      removeDeploymentCondition(status, 'Progressing');
    const current = deploymentCondition(d.status ?? {}, 'Progressing');
    const completeAlready =
      status.replicas === status.updatedReplicas &&
      current?.reason === 'NewReplicaSetAvailable';
    if (deadline !== undefined && !completeAlready) {
      this.updateProgressing(status, newRS, current);
    }
    const failure = this.replicaFailure(all, newRS);
    if (failure) setDeploymentCondition(status, failure);
    else removeDeploymentCondition(status, 'ReplicaFailure');
    this.writeStatusIfChanged(status);
    this.requeueStuck(status);
  }

  private updateProgressing(
    status: Obj,
    newRS: Obj | undefined,
    current: Obj | undefined,
  ): void {
    const d = this.d;
    const rsName = newRS?.metadata.name;
    if (isComplete(d, status)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" has successfully progressed.`
        : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          msg,
          this.now,
        ),
      );
    } else if (isProgressing(d, status)) {
      const cond = newCondition(
        'Progressing',
        'True',
        'ReplicaSetUpdated',
        `ReplicaSet "${rsName}" is progressing.`,
        this.now,
      );
      // Progress refreshes lastUpdateTime even with the same reason.
      if (current?.status === 'True')
        cond.lastTransitionTime = current.lastTransitionTime;
      removeDeploymentCondition(status, 'Progressing');
      status.conditions = [...(status.conditions ?? []), cond];
    } else if (timedOut(d, status, this.now)) {
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `ReplicaSet "${rsName}" has timed out progressing.`,
          this.now,
        ),
      );
    }
  }

  private replicaFailure(all: Obj[], newRS: Obj | undefined): Obj | undefined {
    const fromRS = (rs: Obj | undefined) => {
      const c = (rs?.status?.conditions ?? []).find(
        (x: Obj) => x.type === 'ReplicaFailure',
      );
      return (
        c && {
          type: 'ReplicaFailure',
          status: c.status,
          lastUpdateTime: c.lastTransitionTime,
          lastTransitionTime: c.lastTransitionTime,
          reason: c.reason,
          message: c.message,
        }
      );
    };
    return fromRS(newRS) ?? all.map(fromRS).find(c => c);
  }

  /** Looks again when the progress deadline would pass. */
  private requeueStuck(status: Obj): void {
    const deadline = progressDeadline(this.d);
    const cond = deploymentCondition(status, 'Progressing');
    if (deadline === undefined || !cond) return;
    if (
      cond.reason === 'NewReplicaSetAvailable' ||
      cond.reason === 'ProgressDeadlineExceeded'
    )
      return;
    const from = parseTime(cond.lastUpdateTime) ?? this.now;
    const after = from + deadline * 1000 + 1 - this.now;
    this.requeue =
      this.requeue === undefined
        ? Math.max(0, after)
        : Math.min(this.requeue, Math.max(0, after));
  }

  private syncStatusOnly(rsList: Obj[]): void {
    const { newRS, oldRSs } = this.getAllReplicaSets(rsList, false);
    this.writeStatusIfChanged(
      this.calculateStatus(newRS ? [...oldRSs, newRS] : oldRSs, newRS),
    );
  }

  private checkPausedConditions(): void {
    if (progressDeadline(this.d) === undefined) return;
    const status = this.d.status ?? {};
    const cond = deploymentCondition(status, 'Progressing');
    const paused = !!this.d.spec?.paused;
    if (paused && cond?.reason !== 'DeploymentPaused') {
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'Unknown',
          'DeploymentPaused',
          'Deployment is paused',
          this.now,
        ),
      );
    } else if (!paused && cond?.reason === 'DeploymentPaused') {
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'Unknown',
          'DeploymentResumed',
          'Deployment is resumed',
          this.now,
        ),
      );
    } else {
      return;
    }
    this.d.status = status;
    this.writeDeploymentStatus(status);
  }

  private writeStatusIfChanged(status: Obj): void {
    if (JSON.stringify(status) === JSON.stringify(this.d.status ?? {})) return;
    this.writeDeploymentStatus(status);
  }

  private writeDeploymentStatus(status: Obj): void {
    const { store } = this.env.ctx;
    const latest = store.tryGet(
      'apps/deployments',
      this.d.metadata.namespace,
      this.d.metadata.name,
    );
    if (!latest) return;
    const written = store.updateStatus({ ...latest, status } as KubeObject);
    this.d.status = clone((written as Obj).status);
  }

  private writeDeploymentMeta(): void {
    const { store } = this.env.ctx;
    const latest = store.tryGet(
      'apps/deployments',
      this.d.metadata.namespace,
      this.d.metadata.name,
    );
    if (!latest) return;
    store.update({
      ...latest,
      metadata: {
        ...latest.metadata,
        annotations: this.d.metadata.annotations,
      },
    } as KubeObject);
  }
}

export function startDeploymentController(env: Env): Loop {
  const { ctx, inf } = env;
  const queue = new WorkQueue(ctx.clock, 'deployment', key =>
    new DeploymentSync(env, key).run(),
  );
  inf.deployments.onChange((type, d) => {
    if (type !== 'DELETED') queue.add(keyOf(d));
  });
  inf.replicaSets.onChange((_type, rs, old) => {
    for (const r of [rs, old]) {
      const owner = r && controllerRef(r);
      if (owner?.kind === 'Deployment') {
        queue.add(`${r!.metadata?.namespace}/${owner.name}`);
      }
    }
  });
  // Recreate waits for old pods to be gone.
  inf.pods.onChange((type, pod) => {
    if (type !== 'DELETED' && !isTerminal(pod)) return;
    const rsRef = controllerRef(pod);
    if (rsRef?.kind !== 'ReplicaSet') return;
    const rs = inf.replicaSets.get(pod.metadata?.namespace, rsRef.name);
    const owner = rs && controllerRef(rs);
    if (owner?.kind === 'Deployment') {
      queue.add(`${pod.metadata?.namespace}/${owner.name}`);
    }
  });
  for (const d of inf.deployments.items.values()) queue.add(keyOf(d));
  return { stop: () => queue.stop() };
}
