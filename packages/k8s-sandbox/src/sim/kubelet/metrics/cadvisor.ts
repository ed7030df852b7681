/** cAdvisor and application series of the pods the kubelets run. */
import { REQ_BUCKETS, REQ_ERR, REQ_OK, REQ_SUM } from '../pod';
import { BUCKETS } from '../requests';
import type { MetricsSource } from './source';
import type { ExpositionWriter } from './writer';

const CADVISOR: Array<[string, 'gauge' | 'counter', string]> = [
  [
    'container_memory_working_set_bytes',
    'gauge',
    'Current working set of the container in bytes',
  ],
  [
    'container_cpu_usage_seconds_total',
    'counter',
    'Cumulative cpu time consumed in seconds.',
  ],
  [
    'container_cpu_cfs_periods_total',
    'counter',
    'Number of elapsed enforcement period intervals.',
  ],
  [
    'container_cpu_cfs_throttled_periods_total',
    'counter',
    'Number of throttled period intervals.',
  ],
  [
    'container_spec_memory_limit_bytes',
    'gauge',
    'Memory limit for the container.',
  ],
  ['container_spec_cpu_quota', 'gauge', 'CPU quota of the container.'],
];

export function writeCadvisor(source: MetricsSource, w: ExpositionWriter) {
  for (const [name, type, help] of CADVISOR) {
    w.family(name, type, help);
  }
  const now = source.now();
  for (const pod of source.pods.values()) {
    if (pod.frozen) {
      continue;
    }
    for (const c of pod.allContainers) {
      const ws = c.workingSet(now);
      if (
        ws === undefined ||
        pod.terminal ||
        !(c.running || c.lastTerminated)
      ) {
        continue;
      }
      const labels = {
        namespace: pod.namespace,
        pod: pod.name,
        container: c.name,
        node: pod.nodeName,
        image: c.image,
      };
      w.sample('container_memory_working_set_bytes', labels, ws);
      w.sample('container_spec_memory_limit_bytes', labels, c.memoryLimit ?? 0);
      if (c.cpuLimit !== undefined) {
        w.sample(
          'container_spec_cpu_quota',
          labels,
          Math.round(c.cpuLimit * 100000),
        );
      }
      const counters = c.counters(now);
      if (counters) {
        w.sample('container_cpu_usage_seconds_total', labels, counters[0]);
        w.sample('container_cpu_cfs_periods_total', labels, counters[1]);
        w.sample(
          'container_cpu_cfs_throttled_periods_total',
          labels,
          counters[2],
        );
      }
    }
  }
}

export function writeRequests(source: MetricsSource, w: ExpositionWriter) {
  w.family('http_requests_total', 'counter', 'Total HTTP requests served.');
  w.family(
    'http_request_duration_seconds',
    'histogram',
    'HTTP request latency in seconds.',
  );
  const now = source.now();
  for (const pod of source.pods.values()) {
    const values = pod.frozen ? undefined : pod.requestCounters(now);
    if (!values) {
      continue;
    }
    const base = { namespace: pod.namespace, pod: pod.name };
    w.sample('http_requests_total', { ...base, code: '200' }, values[REQ_OK]);
    w.sample('http_requests_total', { ...base, code: '500' }, values[REQ_ERR]);
    const h = 'http_request_duration_seconds';
    BUCKETS.forEach((bound, i) => {
      w.sample(
        h,
        { ...base, le: String(bound) },
        values[REQ_BUCKETS + i],
        `${h}_bucket`,
      );
    });
    const count = values[REQ_OK] + values[REQ_ERR];
    w.sample(h, { ...base, le: '+Inf' }, count, `${h}_bucket`);
    w.sample(h, base, values[REQ_SUM], `${h}_sum`);
    w.sample(h, base, count, `${h}_count`);
  }
}
