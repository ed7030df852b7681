/**
 * Every built-in detector against small scenarios on the sandbox cluster:
 * each fires on the fault it is meant for, and none fires on healthy churn
 * (rolling deploys, one restart, completed jobs, normal scaling).
 */
import type { Signal } from '@internal/plugin-ai-sre-common';
import {
  loadScenarioFile,
  parseScenario,
  type Sandbox,
  type Scenario,
} from '@internal/k8s-sandbox';
import { resolve } from 'node:path';
import { runMonitored } from './__testUtils__/sandbox';

jest.setTimeout(120_000);

/** Strips the common indentation of a template literal. */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const margin = Math.min(
    ...lines.filter(l => l.trim()).map(l => /^ */.exec(l)![0].length),
  );
  return lines.map(l => l.slice(margin)).join('\n');
}

function scenario(id: string, body: string): Scenario {
  return parseScenario(
    `version: 1\nid: ${id}\ntitle: ${id}\n${dedent(body)}`,
    `${id}.yaml`,
  );
}

type Obj = Record<string, any>;

async function run(
  scenarioObject: Scenario,
  seconds: number,
  observe?: (sandbox: Sandbox, t: number) => void,
) {
  const { events, opened, inspected } = await runMonitored(
    scenarioObject,
    seconds,
    {
      afterStep: observe,
      inspect: ({ sandbox }) =>
        sandbox.cluster.store.list('pods').items as Obj[],
    },
  );
  return { events, opened, pods: inspected };
}

const summary = (signals: Signal[]) =>
  signals.map(
    s =>
      `${s.detector} ${s.object.kind}/${s.object.name} ${s.reason}: ${s.message}`,
  );

/** The opened signals of one detector on one kind of object, by name. */
function firing(
  opened: Signal[],
  detector: string,
  kind: string,
  name: RegExp,
): Signal[] {
  const found = opened.filter(
    s =>
      s.detector === detector &&
      s.object.kind === kind &&
      name.test(s.object.name),
  );
  if (found.length === 0) {
    throw new Error(
      `no ${detector} signal on ${kind} ${name}; opened:\n${
        summary(opened).join('\n') || '(none)'
      }`,
    );
  }
  return found;
}

function restarts(pods: Obj[], namePattern: RegExp): number[] {
  return pods
    .filter(p => namePattern.test(p.metadata.name))
    .map(p =>
      (p.status?.containerStatuses ?? []).reduce(
        (sum: number, c: Obj) => sum + (c.restartCount ?? 0),
        0,
      ),
    );
}

// ---------------------------------------------------------------------------
// Scenarios that should fire a detector

const INSUFFICIENT_CPU = scenario(
  'reports-requests-too-much-cpu',
  `
  duration: 3m
  cluster:
    nodes:
      - {name: worker-1, cpu: '2', memory: 8Gi}
      - {name: worker-2, cpu: '2', memory: 8Gi}
    objects:
      - apiVersion: v1
        kind: Namespace
        metadata: {name: analytics}
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: report-builder
          namespace: analytics
          labels: {app: report-builder, backstage.io/kubernetes-id: report-builder}
        spec:
          replicas: 1
          selector: {matchLabels: {app: report-builder}}
          template:
            metadata:
              labels: {app: report-builder, backstage.io/kubernetes-id: report-builder}
            spec:
              containers:
                - name: builder
                  image: ghcr.io/example/report-builder:1.8.0
                  resources:
                    requests: {cpu: '3', memory: 1Gi}
                    limits: {cpu: '3', memory: 1Gi}
  `,
);

const NO_MATCHING_NODE = scenario(
  'gpu-worker-node-selector',
  `
  duration: 3m
  cluster:
    nodes:
      - {name: worker-1, cpu: '4', memory: 16Gi, labels: {pool: general}}
      - {name: worker-2, cpu: '4', memory: 16Gi, labels: {pool: general}}
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: transcoder
          namespace: default
          labels: {app: transcoder}
        spec:
          replicas: 2
          selector: {matchLabels: {app: transcoder}}
          template:
            metadata:
              labels: {app: transcoder}
            spec:
              nodeSelector:
                pool: gpu
              containers:
                - name: transcoder
                  image: ghcr.io/example/transcoder:0.9.2
                  resources:
                    requests: {cpu: 500m, memory: 512Mi}
  `,
);

/** A Deployment with one HTTP port and probes, for the probe scenarios. */
function probedDeployment(
  name: string,
  image: string,
  probes: string,
  replicas = 2,
): string {
  return `
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${name}
          namespace: shop
          labels: {app: ${name}, backstage.io/kubernetes-id: ${name}}
        spec:
          replicas: ${replicas}
          selector: {matchLabels: {app: ${name}}}
          template:
            metadata:
              labels: {app: ${name}, backstage.io/kubernetes-id: ${name}}
            spec:
              containers:
                - name: ${name}
                  image: ${image}
                  ports:
                    - {name: http, containerPort: 8080}
                  resources:
                    requests: {cpu: 100m, memory: 128Mi}
                    limits: {cpu: 500m, memory: 256Mi}
${probes}`;
}

const READINESS_WRONG_PATH = scenario(
  'cart-readiness-wrong-path',
  `
  duration: 3m
  cluster:
    objects:
      - apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
  ${probedDeployment(
    'cart',
    'ghcr.io/example/cart:4.1.0',
    `                  readinessProbe:
                    httpGet: {path: /ready, port: http}
                    periodSeconds: 5
                    failureThreshold: 3`,
  )}
  images:
    ghcr.io/example/cart:4.1.0:
      startup: 3s
      paths: [/healthz, /metrics, /api/cart]
  `,
);

const LIVENESS_WRONG_PATH = scenario(
  'checkout-liveness-wrong-path',
  `
  duration: 4m
  cluster:
    objects:
      - apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
  ${probedDeployment(
    'checkout',
    'ghcr.io/example/checkout:2.0.3',
    `                  readinessProbe:
                    httpGet: {path: /healthz, port: http}
                    periodSeconds: 5
                  livenessProbe:
                    httpGet: {path: /livez, port: http}
                    initialDelaySeconds: 5
                    periodSeconds: 5
                    failureThreshold: 3`,
  )}
  images:
    ghcr.io/example/checkout:2.0.3:
      startup: 3s
      paths: [/healthz, /api/checkout]
  `,
);

/** One node under pressure from t=60s; pods use more memory than requested. */
function pressureScenario(id: string, pressure: string): Scenario {
  return scenario(
    id,
    `
    duration: 4m
    cluster:
      nodes:
        - {name: worker-1, cpu: '4', memory: 8Gi}
      objects:
        - apiVersion: apps/v1
          kind: Deployment
          metadata:
            name: image-resizer
            namespace: default
            labels: {app: image-resizer}
          spec:
            replicas: 2
            selector: {matchLabels: {app: image-resizer}}
            template:
              metadata:
                labels: {app: image-resizer}
              spec:
                containers:
                  - name: resizer
                    image: ghcr.io/example/image-resizer:3.3.0
                    resources:
                      requests: {cpu: 200m, memory: 256Mi}
                      limits: {cpu: '1', memory: 2Gi}
    images:
      ghcr.io/example/image-resizer:3.3.0:
        memory: 1200Mi
    timeline:
      - at: 60s
        node:
          name: worker-1
          conditions: {${pressure}: true}
    `,
  );
}

const MEMORY_PRESSURE = pressureScenario(
  'resizer-memory-pressure',
  'MemoryPressure',
);
const DISK_PRESSURE = pressureScenario('resizer-disk-pressure', 'DiskPressure');

const JOB_FAILS = scenario(
  'db-migration-job-fails',
  `
  duration: 4m
  cluster:
    objects:
      - apiVersion: batch/v1
        kind: Job
        metadata:
          name: orders-migrate-v42
          namespace: default
          labels: {app: orders-migrate}
        spec:
          backoffLimit: 2
          template:
            metadata:
              labels: {app: orders-migrate}
            spec:
              restartPolicy: Never
              containers:
                - name: migrate
                  image: ghcr.io/example/orders-migrate:42
                  resources:
                    requests: {cpu: 100m, memory: 128Mi}
  images:
    ghcr.io/example/orders-migrate:42:
      exit:
        after: 5s
        code: 1
        log: 'ERROR: relation "orders_v41" does not exist'
  `,
);

const CRONJOB_FAILS = scenario(
  'nightly-export-cronjob-fails',
  `
  duration: 5m
  cluster:
    objects:
      - apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: ledger-export
          namespace: default
          labels: {app: ledger-export}
        spec:
          schedule: '*/2 * * * *'
          concurrencyPolicy: Forbid
          jobTemplate:
            spec:
              backoffLimit: 1
              template:
                metadata:
                  labels: {app: ledger-export}
                spec:
                  restartPolicy: Never
                  containers:
                    - name: export
                      image: ghcr.io/example/ledger-export:1.2.0
                      resources:
                        requests: {cpu: 50m, memory: 64Mi}
  images:
    ghcr.io/example/ledger-export:1.2.0:
      exit:
        after: 3s
        code: 1
        log: 'upload failed: AccessDenied'
  `,
);

const PVC_NO_STORAGE_CLASS = scenario(
  'search-pvc-missing-storage-class',
  `
  duration: 3m
  cluster:
    objects:
      - apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: search-index
          namespace: default
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: fast-ssd
          resources:
            requests: {storage: 20Gi}
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: search
          namespace: default
          labels: {app: search}
        spec:
          replicas: 1
          selector: {matchLabels: {app: search}}
          template:
            metadata:
              labels: {app: search}
            spec:
              containers:
                - name: search
                  image: ghcr.io/example/search:7.0.1
                  resources:
                    requests: {cpu: 250m, memory: 512Mi}
                  volumeMounts:
                    - {name: index, mountPath: /var/lib/search}
              volumes:
                - name: index
                  persistentVolumeClaim: {claimName: search-index}
  `,
);

const QUOTA_TOO_SMALL = scenario(
  'api-scale-up-exceeds-quota',
  `
  duration: 3m
  cluster:
    objects:
      - apiVersion: v1
        kind: Namespace
        metadata: {name: payments}
      - apiVersion: v1
        kind: ResourceQuota
        metadata:
          name: payments-compute
          namespace: payments
        spec:
          hard:
            requests.cpu: '1'
            requests.memory: 4Gi
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: payments-api
          namespace: payments
          labels: {app: payments-api}
        spec:
          replicas: 2
          selector: {matchLabels: {app: payments-api}}
          template:
            metadata:
              labels: {app: payments-api}
            spec:
              containers:
                - name: api
                  image: ghcr.io/example/payments-api:5.2.0
                  resources:
                    requests: {cpu: 400m, memory: 256Mi}
                    limits: {cpu: 800m, memory: 512Mi}
  timeline:
    - at: 30s
      scale:
        target: Deployment/payments/payments-api
        replicas: 4
  `,
);

/** metrics-server is scaled to zero at 60s: the frontend HPA gets no metrics. */
const METRICS_SERVER_DOWN = scenario(
  'metrics-server-scaled-to-zero',
  `
  duration: 4m
  cluster:
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: metrics-server
          namespace: kube-system
          labels: {k8s-app: metrics-server}
        spec:
          replicas: 1
          selector: {matchLabels: {k8s-app: metrics-server}}
          template:
            metadata:
              labels: {k8s-app: metrics-server}
            spec:
              containers:
                - name: metrics-server
                  image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
                  resources:
                    requests: {cpu: 100m, memory: 200Mi}
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: frontend
          namespace: default
          labels: {app: frontend}
        spec:
          replicas: 2
          selector: {matchLabels: {app: frontend}}
          template:
            metadata:
              labels: {app: frontend}
            spec:
              containers:
                - name: frontend
                  image: ghcr.io/example/frontend:8.1.0
                  resources:
                    requests: {cpu: 200m, memory: 256Mi}
                    limits: {cpu: '1', memory: 512Mi}
      - apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: frontend
          namespace: default
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: frontend}
          minReplicas: 2
          maxReplicas: 6
          metrics:
            - type: Resource
              resource:
                name: cpu
                target: {type: Utilization, averageUtilization: 70}
  images:
    ghcr.io/example/frontend:8.1.0:
      cpu: 40m
      traffic: 20
      cpuPerRequest: 5m
  timeline:
    - at: 60s
      scale:
        target: Deployment/kube-system/metrics-server
        replicas: 0
  `,
);

/** Indents every line of a dedented block by `spaces`. */
function indent(text: string, spaces: number): string {
  return dedent(text)
    .split('\n')
    .map(line => (line.trim() ? ' '.repeat(spaces) + line : line))
    .join('\n');
}

/**
 * A steady two-replica API (image `pricing:3.0.0`, behaviour `image`) that
 * runs for five minutes before its timeline `step` (at 5m) changes it.
 */
function apiScenario(id: string, image: string, step: string): Scenario {
  return parseScenario(
    `version: 1
id: ${id}
title: ${id}
duration: 9m
cluster:
  objects:
    - apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: pricing
        namespace: default
        labels: {app: pricing}
      spec:
        replicas: 2
        selector: {matchLabels: {app: pricing}}
        template:
          metadata:
            labels: {app: pricing}
          spec:
            containers:
              - name: pricing
                image: ghcr.io/example/pricing:3.0.0
                ports:
                  - {name: http, containerPort: 8080}
                resources:
                  requests: {cpu: 500m, memory: 256Mi}
                  limits: {cpu: '2', memory: 512Mi}
images:
  ghcr.io/example/pricing:3.0.0:
${indent(image, 4)}
timeline:
  - at: 5m
${indent(step, 4)}
`,
    `${id}.yaml`,
  );
}

const CPU_SPIKE = apiScenario(
  'pricing-traffic-x6',
  `
  cpu: 20m
  memory: 150Mi
  traffic: 10
  cpuPerRequest: 10m
  `,
  `
  traffic:
    target: Deployment/default/pricing
    multiplier: 6
  `,
);

const LATENCY = apiScenario(
  'pricing-latency-regression',
  `
  cpu: 20m
  memory: 150Mi
  traffic: 30
  latency: {p50: 20ms, p99: 100ms}
  `,
  `
  image:
    ref: ghcr.io/example/pricing:3.0.0
    set:
      latency: {p50: 300ms, p99: 1500ms}
  `,
);

const MEMORY_NEAR_LIMIT = scenario(
  'sessions-memory-leak',
  `
  duration: 5m
  cluster:
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: sessions
          namespace: default
          labels: {app: sessions}
        spec:
          replicas: 1
          selector: {matchLabels: {app: sessions}}
          template:
            metadata:
              labels: {app: sessions}
            spec:
              containers:
                - name: sessions
                  image: ghcr.io/example/sessions:1.4.0
                  resources:
                    requests: {cpu: 100m, memory: 256Mi}
                    limits: {cpu: 500m, memory: 256Mi}
  images:
    ghcr.io/example/sessions:1.4.0:
      memory: 200Mi
      memoryGrowth: 10Mi/min
  `,
);

describe('detectors on the sandbox', () => {
  it('pod-pending: requests larger than every node', async () => {
    const { opened } = await run(INSUFFICIENT_CPU, 90);
    const [signal] = firing(opened, 'pod-pending', 'Pod', /^report-builder-/);
    expect(signal.message).toContain('Insufficient cpu');
    expect(signal.message).toContain('0/2 nodes are available');
  });

  it('pod-pending: a nodeSelector no node matches', async () => {
    const { opened } = await run(NO_MATCHING_NODE, 90);
    const [signal] = firing(opened, 'pod-pending', 'Pod', /^transcoder-/);
    expect(signal.message).toContain(
      "didn't match Pod's node affinity/selector",
    );
  });

  it('probe-failure: a readiness probe on a path the app does not serve', async () => {
    const { opened } = await run(READINESS_WRONG_PATH, 120);
    const [signal] = firing(opened, 'probe-failure', 'Pod', /^cart-/);
    expect(signal.reason).toBe('ReadinessProbeFailed');
    expect(signal.message).toMatch(/Readiness probe failed/);
    expect(signal.evidence.fields.httpPath).toBe('/ready');
  });

  it('probe-failure: a liveness probe that kills a working app', async () => {
    const { opened } = await run(LIVENESS_WRONG_PATH, 150);
    const [signal] = firing(opened, 'probe-failure', 'Pod', /^checkout-/);
    expect(signal.reason).toBe('LivenessProbeFailed');
    expect(signal.message).toMatch(/Liveness probe failed/);
    expect(signal.evidence.fields.httpPath).toBe('/livez');
  });

  it('eviction and node-pressure: memory pressure evicts pods above their requests', async () => {
    const { opened } = await run(MEMORY_PRESSURE, 120);
    const [evicted] = firing(opened, 'eviction', 'Pod', /^image-resizer-/);
    expect(evicted.message).toContain('low on resource: memory');
    expect(evicted.message).toMatch(/Container resizer was using .*request is/);
    const [pressure] = firing(opened, 'node-pressure', 'Node', /^worker-1$/);
    expect(pressure.reason).toBe('MemoryPressure');
    expect(pressure.message).toContain('MemoryPressure');
  });

  it('node-pressure: disk pressure', async () => {
    const { opened } = await run(DISK_PRESSURE, 120);
    const [pressure] = firing(opened, 'node-pressure', 'Node', /^worker-1$/);
    expect(pressure.reason).toBe('DiskPressure');
    expect(pressure.message).toContain('DiskPressure');
  });

  it('job-failed: a Job that exits 1 past its backoffLimit', async () => {
    const { opened } = await run(JOB_FAILS, 180);
    const [signal] = firing(
      opened,
      'job-failed',
      'Job',
      /^orders-migrate-v42$/,
    );
    expect(signal.reason).toBe('BackoffLimitExceeded');
    expect(signal.message).toContain('backoff limit');
  });

  it('job-failed: a CronJob whose job fails', async () => {
    const { opened } = await run(CRONJOB_FAILS, 240);
    const [signal] = firing(opened, 'job-failed', 'Job', /^ledger-export-\d+$/);
    expect(signal.reason).toBe('BackoffLimitExceeded');
    expect(signal.message).toContain('backoff limit');
  });

  it('pvc-pending: a claim whose StorageClass does not exist', async () => {
    const { opened } = await run(PVC_NO_STORAGE_CLASS, 90);
    const [signal] = firing(
      opened,
      'pvc-pending',
      'PersistentVolumeClaim',
      /^search-index$/,
    );
    expect(signal.message).toContain('fast-ssd');
  });

  it('quota-rejected: a scale-up beyond the namespace quota', async () => {
    const { opened } = await run(QUOTA_TOO_SMALL, 90);
    const [signal] = firing(
      opened,
      'quota-rejected',
      'ReplicaSet',
      /^payments-api-/,
    );
    expect(signal.reason).toBe('QuotaExceeded');
    expect(signal.message).toContain('exceeded quota: payments-compute');
    expect(signal.message).toContain('requests.cpu');
  });

  it('hpa-limited: no metrics while metrics-server has no ready pod', async () => {
    const { opened } = await run(METRICS_SERVER_DOWN, 180);
    const signals = firing(
      opened,
      'hpa-limited',
      'HorizontalPodAutoscaler',
      /^frontend$/,
    );
    expect(signals.map(s => s.reason)).toContain('FailedGetResourceMetric');
    const inactive = signals.find(s => s.reason === 'FailedGetResourceMetric');
    expect(inactive!.message).toMatch(/cannot scale: .*metrics/i);
  });

  it('cpu-spike: traffic x6 after a steady baseline', async () => {
    const { opened } = await run(CPU_SPIKE, 480);
    const [signal] = firing(opened, 'cpu-spike', 'Deployment', /^pricing$/);
    expect(signal.message).toMatch(
      /uses [\d.]+ CPU cores per replica, [\d.]+x its baseline/,
    );
  });

  it('memory-spike: a working set growing towards its limit', async () => {
    const { opened } = await run(MEMORY_NEAR_LIMIT, 300);
    const [signal] = firing(opened, 'memory-spike', 'Pod', /^sessions-/);
    expect(signal.reason).toBe('MemoryNearLimit');
    expect(signal.message).toMatch(/of its 256Mi memory limit/);
  });

  it('latency: p99 raised by a regression after a baseline', async () => {
    const { opened } = await run(LATENCY, 480);
    const [signal] = firing(opened, 'latency', 'Deployment', /^pricing$/);
    expect(signal.message).toMatch(
      /p99 latency of \d+ ms, against a baseline of \d+ ms/,
    );
  });
});

// ---------------------------------------------------------------------------
// Healthy churn that must open no signal at all

/** A web Deployment (3 replicas, probes, traffic) at version `version`. */
function storefront(version: string): string {
  return `
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: storefront
          namespace: default
          labels: {app: storefront, backstage.io/kubernetes-id: storefront}
        spec:
          replicas: 3
          selector: {matchLabels: {app: storefront}}
          template:
            metadata:
              labels: {app: storefront, backstage.io/kubernetes-id: storefront}
            spec:
              containers:
                - name: storefront
                  image: ghcr.io/example/storefront:${version}
                  ports:
                    - {name: http, containerPort: 8080}
                  resources:
                    requests: {cpu: 200m, memory: 256Mi}
                    limits: {cpu: '1', memory: 512Mi}
                  readinessProbe:
                    httpGet: {path: /healthz, port: http}
                    initialDelaySeconds: 3
                    periodSeconds: 5
                  livenessProbe:
                    httpGet: {path: /healthz, port: http}
                    initialDelaySeconds: 15
                    periodSeconds: 10`;
}

const ROLLING_DEPLOY = scenario(
  'storefront-healthy-rollout',
  `
  duration: 6m
  cluster:
    objects:
      - ${storefront('5.0.0').trimStart()}
  images:
    ghcr.io/example/storefront:5.0.0:
      startup: 6s
      cpu: 30m
      memory: 140Mi
      traffic: 40
      cpuPerRequest: 2m
      paths: [/healthz, /]
    ghcr.io/example/storefront:5.1.0:
      startup: 9s
      cpu: 30m
      memory: 150Mi
      traffic: 40
      cpuPerRequest: 2m
      paths: [/healthz, /]
  timeline:
    - at: 90s
      apply:
      ${storefront('5.1.0')}
  `,
);

const ONE_RESTART = scenario(
  'storefront-restarts-once',
  `
  duration: 6m
  cluster:
    objects:
      - ${storefront('5.0.0').trimStart()}
  images:
    ghcr.io/example/storefront:5.0.0:
      startup: 6s
      cpu: 30m
      memory: 140Mi
      traffic: 40
      cpuPerRequest: 2m
      paths: [/healthz, /]
      dependsOn:
        - target: external/session-store
          onFailure:
            exit:
              after: 5s
              code: 1
              log: 'FATAL: lost connection to session store'
  timeline:
    - at: 90s
      block:
        from: Deployment/default/storefront
        to: external/session-store
    - at: 98s
      unblock:
        from: Deployment/default/storefront
        to: external/session-store
  `,
);

const CRONJOB_COMPLETES = scenario(
  'sitemap-cronjob-completes',
  `
  duration: 12m
  cluster:
    objects:
      - apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: sitemap
          namespace: default
          labels: {app: sitemap}
        spec:
          schedule: '*/5 * * * *'
          concurrencyPolicy: Forbid
          successfulJobsHistoryLimit: 3
          jobTemplate:
            spec:
              backoffLimit: 2
              template:
                metadata:
                  labels: {app: sitemap}
                spec:
                  restartPolicy: Never
                  containers:
                    - name: builder
                      image: ghcr.io/example/sitemap:0.4.0
                      resources:
                        requests: {cpu: 100m, memory: 128Mi}
                        limits: {cpu: 500m, memory: 256Mi}
  images:
    ghcr.io/example/sitemap:0.4.0:
      cpu: 200m
      memory: 90Mi
      exit:
        after: 40s
        code: 0
        reason: Completed
        log: 'sitemap: 4312 pages written'
  `,
);

const NORMAL_SCALING = scenario(
  'catalog-normal-scaling',
  `
  duration: 10m
  cluster:
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: worker
          namespace: default
          labels: {app: worker}
        spec:
          replicas: 4
          selector: {matchLabels: {app: worker}}
          template:
            metadata:
              labels: {app: worker}
            spec:
              containers:
                - name: worker
                  image: ghcr.io/example/worker:2.2.0
                  resources:
                    requests: {cpu: 100m, memory: 128Mi}
                    limits: {cpu: 500m, memory: 256Mi}
      - apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: catalog
          namespace: default
          labels: {app: catalog}
        spec:
          replicas: 2
          selector: {matchLabels: {app: catalog}}
          template:
            metadata:
              labels: {app: catalog}
            spec:
              containers:
                - name: catalog
                  image: ghcr.io/example/catalog:6.0.0
                  ports:
                    - {name: http, containerPort: 8080}
                  resources:
                    requests: {cpu: 200m, memory: 256Mi}
                    limits: {cpu: '1', memory: 512Mi}
                  readinessProbe:
                    httpGet: {path: /healthz, port: http}
                    periodSeconds: 5
      - apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: catalog
          namespace: default
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: catalog}
          minReplicas: 2
          maxReplicas: 8
          metrics:
            - type: Resource
              resource:
                name: cpu
                target: {type: Utilization, averageUtilization: 60}
  images:
    ghcr.io/example/worker:2.2.0:
      cpu: 30m
      memory: 100Mi
    ghcr.io/example/catalog:6.0.0:
      startup: 5s
      cpu: 10m
      memory: 150Mi
      traffic: 20
      cpuPerRequest: 8m
  timeline:
    - at: 60s
      scale:
        target: Deployment/default/worker
        replicas: 6
    - at: 90s
      traffic:
        target: Deployment/default/catalog
        multiplier: 1.8
    - at: 180s
      scale:
        target: Deployment/default/worker
        replicas: 4
    - at: 240s
      traffic:
        target: Deployment/default/catalog
        multiplier: 1
  `,
);

describe('detectors on the sandbox stay silent on healthy churn', () => {
  it.each([
    // A slow-starting app fails its readiness probe a few times while it
    // starts, then is Ready: no probe problem.
    ['storefront-slow-start-rollout', 300],
    // More replicas at the same load per replica: no CPU spike.
    ['worker-manual-scale-up', 360],
  ])('%s', async (name, seconds) => {
    const { opened } = await run(
      loadScenarioFile(
        resolve(__dirname, '__testUtils__/scenarios', `${name}.yaml`),
      ),
      seconds,
    );
    expect(summary(opened)).toEqual([]);
  });

  it('a rolling deploy of a new healthy version', async () => {
    const { opened, pods } = await run(ROLLING_DEPLOY, 300);
    const images = new Set(
      pods
        .filter(p => !p.metadata.deletionTimestamp)
        .map(p => p.spec.containers[0].image),
    );
    expect([...images]).toEqual(['ghcr.io/example/storefront:5.1.0']);
    expect(summary(opened)).toEqual([]);
  });

  it('a container that exits once, then runs healthy', async () => {
    const { opened, pods } = await run(ONE_RESTART, 300);
    expect(restarts(pods, /^storefront-/)).toEqual([1, 1, 1]);
    expect(summary(opened)).toEqual([]);
  });

  it('a CronJob whose jobs complete every five minutes', async () => {
    const { opened, pods } = await run(CRONJOB_COMPLETES, 660);
    expect(
      pods.filter(
        p =>
          /^sitemap-/.test(p.metadata.name) && p.status?.phase === 'Succeeded',
      ).length,
    ).toBeGreaterThanOrEqual(2);
    expect(summary(opened)).toEqual([]);
  });

  it('a Deployment scaled up and down, and an HPA scaling within bounds', async () => {
    let workerMax = 0;
    let catalogMax = 0;
    const { opened } = await run(NORMAL_SCALING, 600, sandbox => {
      for (const d of sandbox.cluster.store.list('apps/deployments', {
        namespace: 'default',
      }).items as Obj[]) {
        const ready = d.status?.readyReplicas ?? 0;
        if (d.metadata.name === 'worker')
          workerMax = Math.max(workerMax, ready);
        if (d.metadata.name === 'catalog')
          catalogMax = Math.max(catalogMax, ready);
      }
    });
    expect(workerMax).toBe(6);
    expect(catalogMax).toBeGreaterThan(2);
    expect(catalogMax).toBeLessThan(8);
    expect(summary(opened)).toEqual([]);
  });
});
