/**
 * The metric detectors end to end: a sandbox whose `/metrics` shows one
 * CPU-throttled container and one service whose latency jumps at 25 s,
 * read (1) through PromQL from a real Prometheus scraping the sandbox at
 * wall speed, and (2) by scraping the sandbox directly on a fast, manually
 * advanced virtual clock. The cpu-throttling and latency detectors must
 * fire in both.
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  parseScenario,
  startSandbox,
  type VirtualClock,
} from '@internal/k8s-sandbox';
import type {
  AiSreDetector,
  DetectorMetrics,
} from '@internal/plugin-ai-sre-node';
import type { Signal } from '@internal/plugin-ai-sre-common';
import { ClusterMonitor } from '../ClusterMonitor';
import { cpuThrottlingDetector, latencyDetector } from '../detectors/metrics';
import { KubeClient } from '../kube/KubeClient';
import type { SignalEvent } from '../SignalTracker';
import { clockOf, quiesce } from '../__testUtils__/sandbox';
import { PrometheusMetricSource } from './PrometheusMetricSource';
import { ScrapeMetricSource } from './ScrapeMetricSource';
import { prometheusOrSkip, startPrometheus } from './__testUtils__/prometheus';
import { startWallClockSandbox } from './__testUtils__/wallClockSandbox';

jest.setTimeout(120_000);

/** When the `api` image turns slow, from the scenario start. */
const SLOW_AT_MS = 25_000;

const SCENARIO = `
version: 1
id: throttled-and-slow
title: busy is CPU-throttled throughout; api answers 20x slower from 25s
duration: 2m
cluster:
  objects:
    - apiVersion: v1
      kind: Namespace
      metadata:
        name: shop
    - apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: busy
        namespace: shop
      spec:
        replicas: 1
        selector:
          matchLabels:
            app: busy
        template:
          metadata:
            labels:
              app: busy
          spec:
            containers:
              - name: worker
                image: example.com/busy:1.0
                resources:
                  requests:
                    cpu: 100m
                    memory: 64Mi
                  limits:
                    cpu: 200m
                    memory: 128Mi
    - apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: api
        namespace: shop
      spec:
        replicas: 2
        selector:
          matchLabels:
            app: api
        template:
          metadata:
            labels:
              app: api
          spec:
            containers:
              - name: api
                image: example.com/api:1.0
                resources:
                  requests:
                    cpu: 100m
                    memory: 64Mi
                  limits:
                    cpu: 500m
                    memory: 128Mi
images:
  example.com/busy:1.0:
    cpu: 450m
    memory: 40Mi
  example.com/api:1.0:
    cpu: 40m
    memory: 50Mi
    traffic: 20
    latency:
      p50: 20ms
      p99: 80ms
timeline:
  - at: ${SLOW_AT_MS / 1000}s
    image:
      ref: example.com/api:1.0
      set:
        latency:
          p50: 1500ms
          p99: 3s
`;

const scenario = () => parseScenario(SCENARIO, 'inline.yaml');

/** The two detectors, evaluating every 2 s with short debounces. */
const detectors: AiSreDetector[] = [cpuThrottlingDetector, latencyDetector].map(
  d => ({ ...d, intervalSeconds: 2, debounceSeconds: 4 }),
);

/** A latency baseline is ready after 3 evaluations (not 4 × 15 s). */
const settings = (detector: AiSreDetector) => ({
  ...detector.defaults,
  ...(detector.id === 'latency' ? { minSamples: 3 } : {}),
});

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

interface Opened {
  signal: Signal;
  /** Virtual ms since the scenario start. */
  at: number;
}

function monitorOf(options: {
  kubeconfig: string;
  clock: VirtualClock;
  metrics: DetectorMetrics;
  startedAt: number;
}) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(options.kubeconfig);
  const opened: Opened[] = [];
  const monitor = new ClusterMonitor({
    cluster: 'sandbox',
    client: new KubeClient(kubeConfig),
    clock: clockOf(options.clock),
    metrics: options.metrics,
    detectors,
    settings,
    emit: (event: SignalEvent) => {
      if (event.type === 'opened') {
        opened.push({
          signal: event.signal,
          at: options.clock.now() - options.startedAt,
        });
      }
    },
    logger,
  });
  return { monitor, opened };
}

const throttled = (opened: Opened[]) =>
  opened.filter(
    ({ signal }) =>
      signal.detector === 'cpu-throttling' &&
      signal.object.kind === 'Pod' &&
      /^busy-/.test(signal.object.name),
  );

const slow = (opened: Opened[]) =>
  opened.filter(
    ({ signal }) =>
      signal.detector === 'latency' &&
      signal.object.kind === 'Deployment' &&
      signal.object.name === 'api',
  );

function expectBothFired(opened: Opened[]) {
  const summary = opened.map(
    o =>
      `${o.signal.detector} ${o.signal.object.kind}/${o.signal.object.name} at ${o.at}ms`,
  );
  expect({ summary, throttled: throttled(opened).length }).toEqual({
    summary,
    throttled: 1,
  });
  expect({ summary, slow: slow(opened).length }).toEqual({ summary, slow: 1 });
  // The latency baseline was learnt before the change, not after it.
  expect(slow(opened)[0].at).toBeGreaterThan(SLOW_AT_MS);
  expect(logger.warn).not.toHaveBeenCalledWith(
    expect.stringMatching(/^Periodic detector/),
    expect.anything(),
  );
}

const prometheus = prometheusOrSkip(
  'the PromQL half of the metric detectors integration test',
);
const describeWithPrometheus = prometheus ? describe : describe.skip;

describe('metric detectors end to end', () => {
  beforeEach(() => jest.clearAllMocks());

  describeWithPrometheus('with Prometheus', () => {
    it('fire from PromQL over a real Prometheus scraping the sandbox at wall speed', async () => {
      const sandbox = await startWallClockSandbox(scenario());
      const startedAt = sandbox.clock.now();
      const server = await startPrometheus({
        binary: prometheus!,
        targets: [sandbox.hostPort],
        scrapeIntervalSeconds: 1,
        honorTimestamps: true,
      });
      const metrics = new PrometheusMetricSource({
        url: server.url,
        time: () => sandbox.clock.now(),
      });
      const { monitor, opened } = monitorOf({
        kubeconfig: sandbox.kubeconfig,
        clock: sandbox.clock,
        metrics,
        startedAt,
      });
      try {
        await server.waitForTargets();
        // Prometheus kept the samples' own times: the sandbox's clock.
        const [stamp] = await metrics.query(
          'timestamp(container_cpu_cfs_periods_total{namespace="shop"})',
        );
        expect(stamp?.labels).toMatchObject({ job: 'sandbox' });
        expect(
          Math.abs(stamp.samples[0][1] * 1000 - sandbox.clock.now()),
        ).toBeLessThan(5_000);
        monitor.start();
        const deadline = Date.now() + 75_000;
        while (
          (!throttled(opened).length || !slow(opened).length) &&
          Date.now() < deadline
        ) {
          await new Promise(resolve => setTimeout(resolve, 250));
        }
        expectBothFired(opened);
      } finally {
        monitor.stop();
        await server.stop();
        await sandbox.stop();
      }
    });
  });

  it('fire from direct scraping on a fast virtual clock', async () => {
    const sandbox = await startSandbox({ scenario: scenario(), tls: false });
    const startedAt = sandbox.clock.now();
    const metrics = new ScrapeMetricSource({
      clock: clockOf(sandbox.clock),
      intervalSeconds: 1,
      fetchText: async () => (await fetch(`${sandbox.url}/metrics`)).text(),
    });
    const { monitor, opened } = monitorOf({
      kubeconfig: sandbox.kubeconfig,
      clock: sandbox.clock,
      metrics,
      startedAt,
    });
    const received = () =>
      monitor
        .health()
        .informers.reduce((sum, i) => sum + i.events + i.lists, 0) +
      metrics.scrapes;
    try {
      monitor.start();
      metrics.start();
      await quiesce(received);
      for (let t = 0; t < SLOW_AT_MS + 30_000; t += 1000) {
        await sandbox.advance(1000);
        await quiesce(received, 10);
      }
      expect(metrics.errors).toBe(0);
      expectBothFired(opened);
    } finally {
      monitor.stop();
      metrics.stop();
      await sandbox.stop();
    }
  });
});
