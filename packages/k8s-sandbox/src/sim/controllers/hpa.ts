/**
 * The HorizontalPodAutoscaler controller (autoscaling/v2; v1 objects are
 * stored as v2): every 15s it proposes replicas per metric, stabilises
 * scale-down over 5 minutes, limits scale-up to max(4 pods, 100%) per
 * period (the default behaviour), clamps to min/max and scales the target.
 */
import type { KubeObject } from '../../api/types';
import { Env, Loop, recordEvent } from './env';
import { MetricError, MetricResult, resourceMetric } from './hpaMetrics';
import { clone, keyOf, Obj, setCondition, splitKey, timestamp } from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'horizontal-pod-autoscaler';
const SYNC_MS = 15_000;

const TARGETS: Record<string, string> = {
  Deployment: 'apps/deployments',
  StatefulSet: 'apps/statefulsets',
  ReplicaSet: 'apps/replicasets',
};

interface Timed {
  at: number;
  value: number;
}

interface HpaState {
  recommendations: Timed[];
  scaleUps: Timed[];
  scaleDowns: Timed[];
}

interface Rules {
  window: number;
  select: string;
  policies: Obj[];
}

function rules(behavior: Obj | undefined, up: boolean): Rules {
  const b = (up ? behavior?.scaleUp : behavior?.scaleDown) ?? {};
  const defaults = up
    ? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ]
    : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  return {
    window: (b.stabilizationWindowSeconds ?? (up ? 0 : 300)) * 1000,
    select: b.selectPolicy ?? 'Max',
    policies: b.policies ?? defaults,
  };
}

function changeIn(events: Timed[], periodMs: number, now: number): number {
  return events
    .filter(e => e.at > now - periodMs)
    .reduce((s, e) => s + e.value, 0);
}

class HpaSync {
  private hpa!: Obj;
  private status!: Obj;

  constructor(
    private readonly env: Env,
    private readonly key: string,
    private readonly states: Map<string, HpaState>,
  ) {}

  private get now(): number {
    return this.env.ctx.clock.now();
  }

  private get state(): HpaState {
    let s = this.states.get(this.key);
    if (!s)
      this.states.set(
        this.key,
        (s = { recommendations: [], scaleUps: [], scaleDowns: [] }),
      );
    return s;
  }

  private condition(
    type: string,
    status: 'True' | 'False',
    reason: string,
    message: string,
  ): void {
    this.status.conditions = setCondition(
      this.status.conditions,
      { type, status, reason, message },
      this.now,
    );
  }

  run(): void {
    const [ns, name] = splitKey(this.key);
    const found = this.env.ctx.store.tryGet(
      'autoscaling/horizontalpodautoscalers',
      ns,
      name,
    ) as Obj | undefined;
    if (!found) return;
    this.hpa = clone(found);
    this.status = clone(found.status ?? {});
    this.status.observedGeneration = found.metadata.generation ?? 1;
    this.reconcile();
    this.write(found);
  }

  private reconcile(): void {
    const spec = this.hpa.spec ?? {};
    const ref = spec.scaleTargetRef ?? {};
    const resource = TARGETS[ref.kind];
    const target = resource
      ? (this.env.ctx.store.tryGet(
          resource,
          this.hpa.metadata.namespace,
          ref.name,
        ) as Obj | undefined)
      : undefined;
    if (!target) {
      const plural = resource
        ? `${resource.split('/')[1]}.${resource.split('/')[0]}`
        : String(ref.kind).toLowerCase();
      const message = `the HPA controller was unable to get the target's current scale: ${plural} "${ref.name}" not found`;
      this.condition('AbleToScale', 'False', 'FailedGetScale', message);
      recordEvent(
        this.env,
        this.hpa,
        'Warning',
        'FailedGetScale',
        `${plural} "${ref.name}" not found`,
        COMPONENT,
      );
      return;
    }
    const current: number = target.spec?.replicas ?? 1;
    const min: number = spec.minReplicas ?? 1;
    const max: number = spec.maxReplicas;
    this.condition(
      'AbleToScale',
      'True',
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
    );
    this.status.currentReplicas = target.status?.replicas ?? current;
    let desired: number;
    let reason = '';
    if (current === 0 && min !== 0) {
      this.condition(
        'ScalingActive',
        'False',
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
      this.status.desiredReplicas = 0;
      return;
    } else if (current > max) {
      desired = max;
      reason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < min) {
      desired = min;
      reason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const proposal = this.computeMetrics(target, current);
      if (!proposal) return;
      desired = this.normalize(current, proposal.replicas, min, max);
      if (desired > current) reason = `${proposal.name} above target`;
      if (desired < current) reason = 'All metrics below target';
    }
    this.status.desiredReplicas = desired;
    if (desired !== current)
      this.rescale(target, resource!, current, desired, reason);
  }

  private computeMetrics(
    target: Obj,
    current: number,
  ): MetricResult | undefined {
    const metrics: Obj[] = this.hpa.spec?.metrics?.length
      ? this.hpa.spec.metrics
      : [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: 80 },
            },
          },
        ];
    let best: MetricResult | undefined;
    const statuses: Obj[] = [];
    const errors: MetricError[] = [];
    for (const metric of metrics) {
      try {
        if (metric.type !== 'Resource' && metric.type !== 'ContainerResource') {
          throw new MetricError(
            `FailedGet${metric.type}Metric`,
            'unable to get metric: no custom metrics API (custom.metrics.k8s.io) registered',
            `failed to get ${String(
              metric.type,
            ).toLowerCase()} metric value: no custom metrics API registered`,
          );
        }
        const result = resourceMetric(this.env, metric, target, current);
        statuses.push(result.status);
        if (!best || result.replicas > best.replicas) best = result;
      } catch (error) {
        if (!(error instanceof MetricError)) throw error;
        errors.push(error);
        recordEvent(
          this.env,
          this.hpa,
          'Warning',
          error.reason,
          error.message,
          COMPONENT,
        );
      }
    }
    this.status.currentMetrics = statuses.length ? statuses : undefined;
    if (!this.status.currentMetrics) delete this.status.currentMetrics;
    if (!best) {
      const first = errors[0];
      this.condition(
        'ScalingActive',
        'False',
        first.reason,
        `the HPA was unable to compute the replica count: ${first.message}`,
      );
      recordEvent(
        this.env,
        this.hpa,
        'Warning',
        'FailedComputeMetricsReplicas',
        `invalid metrics (${errors.length} invalid out of ${metrics.length}), first error is: ${first.valueMessage}`,
        COMPONENT,
      );
      return undefined;
    }
    this.condition(
      'ScalingActive',
      'True',
      'ValidMetricFound',
      `the HPA was able to successfully calculate a replica count from ${best.name}`,
    );
    return best;
  }

  /** Stabilisation windows, then rate limits and min/max (with reasons). */
  private normalize(
    current: number,
    proposal: number,
    min: number,
    max: number,
  ): number {
    const behavior = this.hpa.spec?.behavior;
    const up = rules(behavior, true);
    const down = rules(behavior, false);
    const now = this.now;
    const keep = Math.max(up.window, down.window);
    const recs = this.state.recommendations.filter(r => r.at > now - keep);
    recs.push({ at: now, value: proposal });
    this.state.recommendations = recs;
    let upRec = proposal;
    let downRec = proposal;
    for (const r of recs) {
      if (r.at > now - up.window || r.at === now)
        upRec = Math.min(upRec, r.value);
      if (r.at > now - down.window || r.at === now)
        downRec = Math.max(downRec, r.value);
    }
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    if (stabilized !== proposal) {
      const scaleUp = stabilized < proposal;
      this.condition(
        'AbleToScale',
        'True',
        scaleUp ? 'ScaleUpStabilized' : 'ScaleDownStabilized',
        scaleUp
          ? 'recent recommendations were lower than current one, applying the lowest recent recommendation'
          : 'recent recommendations were higher than current one, applying the highest recent recommendation',
      );
    } else {
      this.condition(
        'AbleToScale',
        'True',
        'ReadyForNewScale',
        'recommended size matches current size',
      );
    }
    const [desired, reason, message] = this.limit(
      current,
      stabilized,
      min,
      max,
      up,
      down,
    );
    this.condition(
      'ScalingLimited',
      desired === stabilized ? 'False' : 'True',
      reason,
      message,
    );
    return desired;
  }

  private limit(
    current: number,
    desired: number,
    min: number,
    max: number,
    up: Rules,
    down: Rules,
  ): [number, string, string] {
    const { scaleUps, scaleDowns } = this.state;
    const now = this.now;
    const periodStart = (p: Obj) =>
      current -
      changeIn(scaleUps, p.periodSeconds * 1000, now) +
      changeIn(scaleDowns, p.periodSeconds * 1000, now);
    if (desired > current) {
      let limit = current;
      if (up.select !== 'Disabled') {
        const proposals = up.policies.map(p =>
          p.type === 'Pods'
            ? periodStart(p) + p.value
            : Math.ceil(periodStart(p) * (1 + p.value / 100)),
        );
        limit =
          up.select === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
      }
      limit = Math.max(limit, current);
      if (max > limit) {
        if (desired > limit)
          return [
            limit,
            'ScaleUpLimit',
            'the desired replica count is increasing faster than the maximum scale rate',
          ];
      } else if (desired > max) {
        return [
          max,
          'TooManyReplicas',
          'the desired replica count is more than the maximum replica count',
        ];
      }
    } else if (desired < current) {
      let limit = current;
      if (down.select !== 'Disabled') {
        const proposals = down.policies.map(p =>
          p.type === 'Pods'
            ? periodStart(p) - p.value
            : Math.floor(periodStart(p) * (1 - p.value / 100)),
        );
        limit =
          down.select === 'Min'
            ? Math.max(...proposals)
            : Math.min(...proposals);
      }
      limit = Math.min(limit, current);
      if (min < limit) {
        if (desired < limit)
          return [
            limit,
            'ScaleDownLimit',
            'the desired replica count is decreasing faster than the maximum scale rate',
          ];
      } else if (desired < min) {
        return [
          min,
          'TooFewReplicas',
          'the desired replica count is less than the minimum replica count',
        ];
      }
    }
    return [
      desired,
      'DesiredWithinRange',
      'the desired count is within the acceptable range',
    ];
  }

  private rescale(
    target: Obj,
    resource: string,
    current: number,
    desired: number,
    reason: string,
  ): void {
    this.env.ctx.store.patch(
      resource,
      target.metadata.namespace,
      target.metadata.name,
      { spec: { replicas: desired } },
      'merge',
    );
    const event = { at: this.now, value: Math.abs(desired - current) };
    if (desired > current) this.state.scaleUps.push(event);
    else this.state.scaleDowns.push(event);
    const cutoff = this.now - 3_600_000;
    this.state.scaleUps = this.state.scaleUps.filter(e => e.at > cutoff);
    this.state.scaleDowns = this.state.scaleDowns.filter(e => e.at > cutoff);
    recordEvent(
      this.env,
      this.hpa,
      'Normal',
      'SuccessfulRescale',
      `New size: ${desired}; reason: ${reason}`,
      COMPONENT,
    );
    this.condition(
      'AbleToScale',
      'True',
      'SucceededRescale',
      `the HPA controller was able to update the target scale to ${desired}`,
    );
    this.status.lastScaleTime = timestamp(this.now);
  }

  private write(found: Obj): void {
    const order = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];
    this.status.conditions = (this.status.conditions ?? []).sort(
      (a: Obj, b: Obj) => order.indexOf(a.type) - order.indexOf(b.type),
    );
    if (JSON.stringify(this.status) === JSON.stringify(found.status ?? {}))
      return;
    const latest = this.env.ctx.store.tryGet(
      'autoscaling/horizontalpodautoscalers',
      found.metadata.namespace,
      found.metadata.name,
    );
    if (latest)
      this.env.ctx.store.updateStatus({
        ...latest,
        status: this.status,
      } as KubeObject);
  }
}

export function startHpaController(env: Env): Loop {
  const { ctx, inf } = env;
  const states = new Map<string, HpaState>();
  // Pods started at t=0 are warm: the first look waits until they have
  // settled, instead of reporting missing metrics for them.
  const queue = new WorkQueue(ctx.clock, 'hpa', key => {
    if (ctx.warmStart) return 1;
    new HpaSync(env, key, states).run();
    return undefined;
  });
  inf.hpas.onChange((type, hpa, old) => {
    if (type === 'DELETED') states.delete(keyOf(hpa));
    else if (
      type === 'ADDED' ||
      JSON.stringify((hpa as Obj).spec) !== JSON.stringify((old as Obj)?.spec)
    ) {
      queue.add(keyOf(hpa));
    }
  });
  for (const hpa of inf.hpas.items.values()) queue.add(keyOf(hpa));
  const timer = ctx.clock.setInterval(() => {
    for (const hpa of inf.hpas.items.values()) queue.add(keyOf(hpa));
  }, SYNC_MS);
  return {
    stop: () => {
      queue.stop();
      ctx.clock.clear(timer);
    },
  };
}
