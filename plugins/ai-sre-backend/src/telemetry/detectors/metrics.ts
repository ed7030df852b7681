import type { ObjectRef } from '@internal/plugin-ai-sre-common';
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import type {
  AiSreDetector,
  DetectorContext,
  DetectorFinding,
  LogRequest,
  MetricSeries,
} from '@internal/plugin-ai-sre-node';
import { formatBytes, parseQuantity, refOf } from './util';

const WINDOW = 120;

interface PodKey {
  namespace: string;
  pod: string;
}

/**
 * Container series only: real cAdvisor also reports pod-level (cgroup)
 * series with `container=""` or `"POD"`, which would count usage twice.
 */
function containerSeries(series: MetricSeries[]): MetricSeries[] {
  return series.filter(s => s.labels.container && s.labels.container !== 'POD');
}

function latestValue(series: MetricSeries): number | undefined {
  const last = series.samples[series.samples.length - 1];
  return last ? last[1] : undefined;
}

/** The workload a pod belongs to (top of its owner chain), by the cache. */
function workloadOfPod(
  context: DetectorContext,
  { namespace, pod }: PodKey,
): ObjectRef | undefined {
  const object = context.get('Pod', namespace, pod);
  if (!object) {
    return undefined;
  }
  const chain = context.ownerChain(object);
  return chain.length ? chain[chain.length - 1] : refOf(object);
}

/** Sums per-pod values into per-workload totals. */
function byWorkload(
  context: DetectorContext,
  series: MetricSeries[],
  combine: 'sum' | 'max' = 'sum',
): Map<string, { workload: ObjectRef; value: number; pods: string[] }> {
  const out = new Map<
    string,
    { workload: ObjectRef; value: number; pods: string[] }
  >();
  for (const s of series) {
    const value = latestValue(s);
    const namespace = s.labels.namespace;
    const pod = s.labels.pod;
    if (value === undefined || !namespace || !pod || !Number.isFinite(value)) {
      continue;
    }
    const workload = workloadOfPod(context, { namespace, pod });
    if (!workload) {
      continue;
    }
    const key = formatObjectRef(workload);
    const entry = out.get(key) ?? { workload, value: 0, pods: [] };
    entry.value =
      combine === 'sum' ? entry.value + value : Math.max(entry.value, value);
    if (!entry.pods.includes(pod)) entry.pods.push(pod);
    out.set(key, entry);
  }
  return out;
}

/**
 * Compares a value with its learned baseline, then learns from it unless
 * it is anomalous (so a spike does not become the new normal).
 */
function anomaly(
  context: DetectorContext,
  key: string,
  value: number,
  options: {
    factor: number;
    deviations: number;
    minimum: number;
    minSamples: number;
  },
): { anomalous: boolean; mean?: number } {
  const baseline = context.baseline.get(key);
  const ready = baseline && baseline.samples >= options.minSamples;
  const anomalous = Boolean(
    ready &&
      value >= options.minimum &&
      value > baseline!.mean * options.factor &&
      value - baseline!.mean > options.deviations * baseline!.deviation,
  );
  if (!anomalous) {
    context.baseline.observe(key, value);
  }
  return { anomalous, mean: baseline?.mean };
}

/** CPU throttling by the container's CPU limit or node contention. */
export const cpuThrottlingDetector: AiSreDetector = {
  id: 'cpu-throttling',
  title: 'CPU throttling',
  description:
    'A container spends a large share of its CPU periods throttled (its CPU limit or a busy node holds it back).',
  reads: ['Metric'],
  severity: 'medium',
  debounceSeconds: 30,
  resolveSeconds: 60,
  intervalSeconds: 15,
  defaults: { ratio: 0.25 },
  async evaluatePeriodic(context) {
    if (!context.metrics) return [];
    const [throttledAll, periodsAll] = await Promise.all([
      context.metrics.rate(
        'container_cpu_cfs_throttled_periods_total',
        {},
        WINDOW,
      ),
      context.metrics.rate('container_cpu_cfs_periods_total', {}, WINDOW),
    ]);
    const throttled = containerSeries(throttledAll);
    const periods = containerSeries(periodsAll);
    const totals = new Map(
      periods.map(s => [
        `${s.labels.namespace}/${s.labels.pod}/${s.labels.container}`,
        latestValue(s) ?? 0,
      ]),
    );
    const findings: DetectorFinding[] = [];
    for (const s of throttled) {
      const key = `${s.labels.namespace}/${s.labels.pod}/${s.labels.container}`;
      const total = totals.get(key) ?? 0;
      const value = latestValue(s) ?? 0;
      if (total <= 0) continue;
      const ratio = value / total;
      if (ratio < context.settings.ratio) continue;
      const pod = context.get('Pod', s.labels.namespace, s.labels.pod);
      if (!pod) continue;
      const spec = (pod.spec?.containers ?? []).find(
        (c: { name: string }) => c.name === s.labels.container,
      );
      findings.push({
        object: refOf(pod),
        key: s.labels.container,
        reason: 'CPUThrottled',
        message: `Container ${s.labels.container} of pod ${
          s.labels.pod
        } is CPU-throttled in ${Math.round(ratio * 100)}% of its periods`,
        fields: {
          container: s.labels.container,
          throttledRatio: Math.round(ratio * 1000) / 1000,
          cpuLimitCores: parseQuantity(spec?.resources?.limits?.cpu),
          cpuRequestCores: parseQuantity(spec?.resources?.requests?.cpu),
          nodeName: pod.spec?.nodeName,
        },
        metrics: [
          {
            name: 'container_cpu_cfs_throttled_periods_total / container_cpu_cfs_periods_total',
            labels: s.labels,
            samples: [[context.now(), ratio]],
            threshold: context.settings.ratio,
          },
        ],
      });
    }
    return findings;
  },
};

/** CPU use of a workload far above its learned baseline. */
export const cpuSpikeDetector: AiSreDetector = {
  id: 'cpu-spike',
  title: 'CPU use above baseline',
  description: "A workload's CPU use rose far above its learned baseline.",
  reads: ['Metric'],
  severity: 'low',
  debounceSeconds: 45,
  resolveSeconds: 60,
  intervalSeconds: 15,
  defaults: { factor: 2, deviations: 3, minimumCores: 0.05, minSamples: 4 },
  async evaluatePeriodic(context) {
    if (!context.metrics) return [];
    const usage = containerSeries(
      await context.metrics.rate(
        'container_cpu_usage_seconds_total',
        {},
        WINDOW,
      ),
    );
    const findings: DetectorFinding[] = [];
    for (const [key, { workload, value: total, pods }] of byWorkload(
      context,
      usage,
    )) {
      // Per replica: more replicas at the same load are no spike.
      const value = total / Math.max(1, pods.length);
      const { anomalous, mean } = anomaly(context, `cpu:${key}`, value, {
        factor: context.settings.factor,
        deviations: context.settings.deviations,
        minimum: context.settings.minimumCores,
        minSamples: context.settings.minSamples,
      });
      if (!anomalous) continue;
      findings.push({
        object: workload,
        reason: 'CPUAboveBaseline',
        message: `${workload.kind} ${workload.name} uses ${value.toFixed(
          2,
        )} CPU cores per replica, ${(value / (mean || 1)).toFixed(
          1,
        )}x its baseline of ${(mean ?? 0).toFixed(2)}`,
        fields: {
          coresPerReplica: value,
          cores: total,
          baselineCores: mean,
          pods,
        },
        metrics: [
          {
            name: 'sum(rate(container_cpu_usage_seconds_total[2m])) / replicas',
            labels: { workload: key },
            samples: [[context.now(), value]],
            threshold: mean,
          },
        ],
      });
    }
    return findings;
  },
};

/** Memory of a container far above its baseline or close to its limit. */
export const memorySpikeDetector: AiSreDetector = {
  id: 'memory-spike',
  title: 'Memory above baseline or near the limit',
  description:
    "A container's working set rose far above its learned baseline, or is close to its memory limit.",
  reads: ['Metric'],
  severity: 'low',
  debounceSeconds: 30,
  resolveSeconds: 60,
  intervalSeconds: 15,
  defaults: {
    factor: 1.5,
    deviations: 3,
    limitRatio: 0.9,
    minimumBytes: 32 * 1024 * 1024,
    minSamples: 4,
  },
  async evaluatePeriodic(context) {
    if (!context.metrics) return [];
    const series = containerSeries(
      await context.metrics.latest('container_memory_working_set_bytes', {}),
    );
    const findings: DetectorFinding[] = [];
    for (const s of series) {
      const value = latestValue(s);
      const { namespace, pod: podName, container } = s.labels;
      if (value === undefined || !namespace || !podName || !container) continue;
      const pod = context.get('Pod', namespace, podName);
      if (!pod) continue;
      const spec = (pod.spec?.containers ?? []).find(
        (c: { name: string }) => c.name === container,
      );
      const limit = parseQuantity(spec?.resources?.limits?.memory);
      const workload = workloadOfPod(context, { namespace, pod: podName });
      const key = `memory:${
        workload ? formatObjectRef(workload) : podName
      }/${container}`;
      const nearLimit =
        limit !== undefined && value >= limit * context.settings.limitRatio;
      const { anomalous, mean } = anomaly(context, key, value, {
        factor: context.settings.factor,
        deviations: context.settings.deviations,
        minimum: context.settings.minimumBytes,
        minSamples: context.settings.minSamples,
      });
      if (!nearLimit && !anomalous) continue;
      findings.push({
        object: refOf(pod),
        key: container,
        reason: nearLimit ? 'MemoryNearLimit' : 'MemoryAboveBaseline',
        message: nearLimit
          ? `Container ${container} of pod ${podName} uses ${formatBytes(
              value,
            )} of its ${formatBytes(limit!)} memory limit`
          : `Container ${container} of pod ${podName} uses ${formatBytes(
              value,
            )}, above its baseline of ${formatBytes(mean ?? 0)}`,
        fields: {
          container,
          workingSetBytes: value,
          memoryLimitBytes: limit,
          baselineBytes: mean,
        },
        metrics: [
          {
            name: 'container_memory_working_set_bytes',
            labels: s.labels,
            samples: s.samples.slice(-20),
            threshold: limit,
          },
        ],
      });
    }
    return findings;
  },
};

/** Request latency of a workload far above its baseline. */
export const latencyDetector: AiSreDetector = {
  id: 'latency',
  title: 'Latency above baseline',
  description:
    "A workload's p99 request latency rose far above its learned baseline.",
  reads: ['Metric'],
  severity: 'medium',
  debounceSeconds: 30,
  resolveSeconds: 60,
  intervalSeconds: 15,
  defaults: { factor: 2.5, deviations: 4, minimumSeconds: 0.2, minSamples: 4 },
  async evaluatePeriodic(context) {
    if (!context.metrics) return [];
    const p99 = await context.metrics.quantile(
      'http_request_duration_seconds',
      0.99,
      {},
      WINDOW,
    );
    const findings: DetectorFinding[] = [];
    for (const [key, { workload, value, pods }] of byWorkload(
      context,
      p99,
      'max',
    )) {
      const { anomalous, mean } = anomaly(context, `latency:${key}`, value, {
        factor: context.settings.factor,
        deviations: context.settings.deviations,
        minimum: context.settings.minimumSeconds,
        minSamples: context.settings.minSamples,
      });
      if (!anomalous) continue;
      findings.push({
        object: workload,
        reason: 'LatencyAboveBaseline',
        message: `${workload.kind} ${
          workload.name
        } answers with a p99 latency of ${Math.round(
          value * 1000,
        )} ms, against a baseline of ${Math.round((mean ?? 0) * 1000)} ms`,
        fields: { p99Seconds: value, baselineSeconds: mean, pods },
        metrics: [
          {
            name: 'histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[2m]))',
            labels: { workload: key },
            samples: [[context.now(), value]],
            threshold: mean,
          },
        ],
      });
    }
    return findings;
  },
};

/** A log request for the main container of the pod with the most errors. */
function worstPodLogs(
  context: DetectorContext,
  errorSeries: MetricSeries[],
  pods: string[],
): LogRequest[] {
  const worst = errorSeries
    .filter(s => pods.includes(s.labels.pod ?? ''))
    .sort((a, b) => (latestValue(b) ?? 0) - (latestValue(a) ?? 0))[0];
  if (!worst?.labels.namespace || !worst.labels.pod) return [];
  const pod = context.get('Pod', worst.labels.namespace, worst.labels.pod);
  const container = (pod?.spec?.containers ?? [])[0]?.name as
    | string
    | undefined;
  return container
    ? [
        {
          namespace: worst.labels.namespace,
          pod: worst.labels.pod,
          container,
          previous: false,
        },
      ]
    : [];
}

/** A share of failing requests above what a healthy service shows. */
export const errorRateDetector: AiSreDetector = {
  id: 'error-rate',
  title: 'Error rate',
  description:
    'A workload answers a significant share of its requests with 5xx errors.',
  reads: ['Metric'],
  severity: 'high',
  debounceSeconds: 30,
  resolveSeconds: 60,
  intervalSeconds: 15,
  defaults: { ratio: 0.05, minimumPerSecond: 0.1 },
  async evaluatePeriodic(context) {
    if (!context.metrics) return [];
    const requests = await context.metrics.rate(
      'http_requests_total',
      {},
      WINDOW,
    );
    const errorSeries = requests.filter(s =>
      /^5\d\d$/.test(s.labels.code ?? ''),
    );
    const errors = byWorkload(context, errorSeries);
    const totals = byWorkload(context, requests);
    const findings: DetectorFinding[] = [];
    for (const [key, total] of totals) {
      const failed = errors.get(key)?.value ?? 0;
      if (total.value <= 0 || failed < context.settings.minimumPerSecond)
        continue;
      const ratio = failed / total.value;
      if (ratio < context.settings.ratio) continue;
      findings.push({
        object: total.workload,
        reason: 'HighErrorRate',
        message: `${total.workload.kind} ${
          total.workload.name
        } fails ${Math.round(ratio * 100)}% of its requests (${failed.toFixed(
          1,
        )} errors/s)`,
        fields: {
          errorRatio: Math.round(ratio * 1000) / 1000,
          errorsPerSecond: failed,
          requestsPerSecond: total.value,
          pods: total.pods,
        },
        // What the failing app says about its errors (a dependency, a
        // partner API, a credential): the logs of its worst pod.
        logs: worstPodLogs(context, errorSeries, errors.get(key)?.pods ?? []),
        metrics: [
          {
            name: 'sum(rate(http_requests_total{code=~"5.."}[2m])) / sum(rate(http_requests_total[2m]))',
            labels: { workload: key },
            samples: [[context.now(), ratio]],
            threshold: context.settings.ratio,
          },
        ],
      });
    }
    return findings;
  },
};

/** A volume close to full (kubelet volume stats). */
export const pvcFillingDetector: AiSreDetector = {
  id: 'pvc-filling',
  title: 'Volume filling up',
  description:
    'A PersistentVolumeClaim is nearly full, by the kubelet volume stats.',
  reads: ['Metric'],
  severity: 'medium',
  debounceSeconds: 60,
  resolveSeconds: 120,
  intervalSeconds: 30,
  defaults: { ratio: 0.9 },
  async evaluatePeriodic(context) {
    if (!context.metrics) return [];
    const [used, capacity] = await Promise.all([
      context.metrics.latest('kubelet_volume_stats_used_bytes', {}),
      context.metrics.latest('kubelet_volume_stats_capacity_bytes', {}),
    ]);
    const capacities = new Map(
      capacity.map(s => [
        `${s.labels.namespace}/${s.labels.persistentvolumeclaim}`,
        latestValue(s) ?? 0,
      ]),
    );
    const findings: DetectorFinding[] = [];
    for (const s of used) {
      const { namespace, persistentvolumeclaim: claim } = s.labels;
      if (!namespace || !claim) continue;
      const total = capacities.get(`${namespace}/${claim}`) ?? 0;
      const value = latestValue(s) ?? 0;
      if (total <= 0 || value / total < context.settings.ratio) continue;
      const pvc = context.get('PersistentVolumeClaim', namespace, claim);
      findings.push({
        object: pvc
          ? refOf(pvc)
          : { kind: 'PersistentVolumeClaim', namespace, name: claim },
        reason: 'VolumeNearlyFull',
        message: `Volume claim ${claim} is ${Math.round(
          (value / total) * 100,
        )}% full (${formatBytes(value)} of ${formatBytes(total)})`,
        fields: { usedBytes: value, capacityBytes: total },
        metrics: [
          {
            name: 'kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes',
            labels: s.labels,
            samples: [[context.now(), value / total]],
            threshold: context.settings.ratio,
          },
        ],
      });
    }
    return findings;
  },
};

export const metricDetectors = [
  cpuThrottlingDetector,
  cpuSpikeDetector,
  memorySpikeDetector,
  latencyDetector,
  errorRateDetector,
  pvcFillingDetector,
];
