/**
 * Hand-built incidents, one or more per taxonomy category, with what a
 * good SRE concludes: shared by the root-cause and planner tests.
 */
import type { Change, RootCauseCategory } from '@internal/plugin-ai-sre-common';
import type { DependencyLink, ReasoningContext, SignalGroup } from '../types';
import {
  change,
  deployment,
  entity,
  link,
  scenario,
  signal,
  T0,
} from './fixtures';

export interface Case {
  name: string;
  build(): { group: SignalGroup; context: ReasoningContext };
  category: RootCauseCategory;
  object: string | null;
  entity: string;
  action: string;
  params?: Record<string, string | number | boolean>;
}

const api = deployment('catalog-api');
const web = deployment('web');
const orders = deployment('orders');
const db = { kind: 'StatefulSet', namespace: 'shop', name: 'postgres' };
const MI = 1024 ** 2;

const revision = (
  target = api,
  seconds: number,
  rev: number,
  summary: string,
  diff: Change['diff'],
) =>
  change('workload-revision', target, seconds, summary, diff, {
    revision: String(rev),
  });

const crash = (
  workload = api,
  seconds = 150,
  extra: Record<string, unknown> = {},
  logs?: string[],
) =>
  signal({
    detector: 'crash-loop',
    reason: 'CrashLoopBackOff',
    workload,
    firstSeen: seconds,
    fields: {
      container: workload.name,
      restartCount: 4,
      lastExitCode: 1,
      lastReason: 'Error',
      ...extra,
    },
    logs,
  });

const errorRate = (workload: typeof api, seconds = 160, ratio = 0.6) =>
  signal({
    detector: 'error-rate',
    reason: 'HighErrorRate',
    workload,
    object: workload,
    firstSeen: seconds,
    fields: { errorRatio: ratio, errorsPerSecond: 10, requestsPerSecond: 16 },
  });

const pending = (
  workload: typeof api,
  message: string,
  extra: Record<string, unknown> = {},
) =>
  signal({
    detector: 'pod-pending',
    reason: 'Unschedulable',
    workload,
    firstSeen: 150,
    fields: { schedulerMessage: message, ...extra },
  });

const noLinks: DependencyLink[] = [];

export const CASES: Case[] = [
  {
    name: 'bad-deploy: crashes after an image change',
    build: () =>
      scenario(
        [crash(api, 160, {}, ["Error: Cannot find module './ranker'"])],
        [
          revision(api, 60, 6, 'catalog-api: image 2.4.0 -> 2.4.1', []),
          revision(api, 120, 7, 'catalog-api: image 2.4.1 -> 2.5.0', [
            {
              path: 'spec.template.spec.containers[catalog-api].image',
              before: 'x:2.4.1',
              after: 'x:2.5.0',
            },
          ]),
        ],
      ),
    category: 'bad-deploy',
    object: 'Deployment/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'rollback-deployment',
    params: { revision: 6 },
  },
  {
    name: 'bad-config: an env value change only',
    build: () =>
      scenario(
        [crash(api, 160)],
        [
          revision(api, 120, 7, 'catalog-api: env CACHE_TTL "60" -> "sixty"', [
            {
              path: 'spec.template.spec.containers[catalog-api].env[CACHE_TTL].value',
              before: '60',
              after: 'sixty',
            },
          ]),
        ],
      ),
    category: 'bad-config',
    object: 'Deployment/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'rollback-deployment',
    params: { revision: 6 },
  },
  {
    name: 'bad-config: a ConfigMap the workload reads changed',
    build: () =>
      scenario(
        [crash(api, 200), errorRate(api, 210)],
        [
          change(
            'config',
            { kind: 'ConfigMap', namespace: 'shop', name: 'catalog-config' },
            150,
            'catalog-config: CACHE_TTL "60" -> "-1"; read by Deployment catalog-api (env CACHE_TTL)',
            [{ path: 'data.CACHE_TTL', before: '60', after: '-1' }],
            { revision: '4711', entityRefs: [entity('catalog-api')] },
          ),
        ],
      ),
    category: 'bad-config',
    object: 'ConfigMap/shop/catalog-config',
    entity: entity('catalog-api'),
    action: 'revert-config',
    params: { configMap: 'catalog-config' },
  },
  {
    name: 'bad-config: a Service selector change starves its callers',
    build: () =>
      scenario(
        [errorRate(web, 150)],
        [
          change(
            'service',
            { kind: 'Service', namespace: 'shop', name: 'catalog-api' },
            100,
            'catalog-api: selector app=catalog-api -> app=catalog; now selects no workload (was Deployment catalog-api)',
            [
              {
                path: 'spec.selector.app',
                before: 'catalog-api',
                after: 'catalog',
              },
            ],
            { entityRefs: [entity('catalog-api')] },
          ),
        ],
        [link(web, api)],
      ),
    category: 'bad-config',
    object: 'Service/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'notify-owner',
  },
  {
    name: 'missing-config: a revision references a Secret that does not exist',
    build: () =>
      scenario(
        [
          signal({
            detector: 'container-config',
            reason: 'CreateContainerConfigError',
            workload: orders,
            fields: {
              container: 'orders',
              waitingMessage: 'secret "card-creds" not found',
              missingKind: 'Secret',
              missingName: 'card-creds',
            },
          }),
        ],
        [
          revision(
            orders,
            100,
            3,
            'orders: env TOKEN added from Secret card-creds',
            [
              {
                path: 'spec.template.spec.containers[orders].env[TOKEN]',
                before: undefined,
                after: {
                  name: 'TOKEN',
                  valueFrom: { secretKeyRef: { name: 'card-creds', key: 't' } },
                },
              },
            ],
          ),
        ],
      ),
    category: 'missing-config',
    object: 'Secret/shop/card-creds',
    entity: entity('orders'),
    action: 'rollback-deployment',
    params: { revision: 2 },
  },
  {
    name: 'missing-config without a revision: notify',
    build: () =>
      scenario([
        signal({
          detector: 'container-config',
          reason: 'CreateContainerConfigError',
          workload: orders,
          fields: {
            missingKind: 'ConfigMap',
            missingName: 'orders-cfg',
            missingKey: 'url',
          },
        }),
      ]),
    category: 'missing-config',
    object: 'ConfigMap/shop/orders-cfg',
    entity: entity('orders'),
    action: 'notify-owner',
  },
  {
    name: 'image-pull: a misspelt repository',
    build: () =>
      scenario(
        [
          signal({
            detector: 'image-pull',
            reason: 'ImagePullBackOff',
            workload: web,
            fields: { container: 'web', image: 'ghcr.io/exmple/web:3.3.0' },
          }),
          signal({
            detector: 'rollout-stuck',
            reason: 'RolloutNotProgressing',
            workload: web,
            object: web,
          }),
        ],
        [
          revision(
            web,
            95,
            2,
            'web: image ghcr.io/example/web:3.2.0 -> ghcr.io/exmple/web:3.3.0',
            [
              {
                path: 'spec.template.spec.containers[web].image',
                before: 'a',
                after: 'b',
              },
            ],
          ),
        ],
      ),
    category: 'image-pull',
    object: 'Deployment/shop/web',
    entity: entity('web'),
    action: 'rollback-deployment',
    params: { revision: 1 },
  },
  {
    name: 'memory-limit: OOM right after start',
    build: () =>
      scenario([
        signal({
          detector: 'oom-killed',
          reason: 'OOMKilled',
          workload: orders,
          fields: {
            container: 'orders',
            restartCount: 4,
            exitCode: 137,
            memoryLimitBytes: 160 * MI,
            runSeconds: 2,
          },
        }),
      ]),
    category: 'memory-limit',
    object: 'Deployment/shop/orders',
    entity: entity('orders'),
    action: 'set-resources',
    params: { container: 'orders', memoryLimit: '320Mi' },
  },
  {
    name: 'memory-limit: a revision lowered the limit (not bad-deploy)',
    build: () =>
      scenario(
        [
          signal({
            detector: 'oom-killed',
            reason: 'OOMKilled',
            workload: orders,
            fields: {
              container: 'orders',
              restartCount: 3,
              memoryLimitBytes: 128 * MI,
              runSeconds: 40,
            },
          }),
        ],
        [
          revision(orders, 100, 5, 'orders: memory limit 512Mi -> 128Mi', [
            {
              path: 'spec.template.spec.containers[orders].resources.limits.memory',
              before: '512Mi',
              after: '128Mi',
            },
          ]),
        ],
      ),
    category: 'memory-limit',
    object: 'Deployment/shop/orders',
    entity: entity('orders'),
    action: 'set-resources',
    params: { container: 'orders', memoryLimit: '512Mi' },
  },
  {
    name: 'memory-leak: OOM after a long run',
    build: () =>
      scenario([
        signal({
          detector: 'oom-killed',
          reason: 'OOMKilled',
          workload: orders,
          fields: {
            container: 'orders',
            restartCount: 1,
            memoryLimitBytes: 256 * MI,
            runSeconds: 2400,
          },
        }),
      ]),
    category: 'memory-leak',
    object: 'Deployment/shop/orders',
    entity: entity('orders'),
    action: 'restart-workload',
  },
  {
    name: 'cpu-saturation: throttled, probes time out, no autoscaler at max',
    build: () =>
      scenario([
        signal({
          detector: 'cpu-throttling',
          reason: 'CPUThrottled',
          workload: api,
          severity: 'medium',
          fields: {
            container: 'catalog-api',
            throttledRatio: 0.6,
            cpuLimitCores: 0.2,
          },
        }),
        signal({
          detector: 'probe-failure',
          reason: 'LivenessProbeFailed',
          workload: api,
          fields: {
            probe: 'liveness',
            timeoutSeconds: 1,
            lastMessage:
              'Liveness probe failed: Get "http://10.0.0.4:3000/health": context deadline exceeded (Client.Timeout exceeded)',
          },
        }),
      ]),
    category: 'cpu-saturation',
    object: 'Deployment/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'set-resources',
    params: { container: 'catalog-api', cpuLimit: '450m' },
  },
  {
    name: 'traffic-surge: HPA at max wanting more',
    build: () =>
      scenario([
        signal({
          detector: 'hpa-limited',
          reason: 'AtMaxReplicas',
          severity: 'medium',
          object: {
            kind: 'HorizontalPodAutoscaler',
            namespace: 'shop',
            name: 'catalog-api',
          },
          fields: {
            minReplicas: 2,
            maxReplicas: 4,
            currentReplicas: 4,
            desiredReplicas: 4,
            target: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'catalog-api',
            },
            currentMetrics: [
              {
                type: 'Resource',
                resource: { name: 'cpu', current: { averageUtilization: 130 } },
              },
            ],
            metrics: [
              {
                type: 'Resource',
                resource: {
                  name: 'cpu',
                  target: { type: 'Utilization', averageUtilization: 65 },
                },
              },
            ],
          },
        }),
        signal({
          detector: 'latency',
          reason: 'LatencyAboveBaseline',
          workload: api,
          object: api,
          severity: 'medium',
        }),
      ]),
    category: 'traffic-surge',
    object: 'HorizontalPodAutoscaler/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'set-autoscaler',
    params: { maxReplicas: 8 },
  },
  {
    name: 'dependency-failure: the database fails, callers show errors',
    build: () =>
      scenario(
        [
          crash(db, 110, {}, [
            'PANIC: could not locate a valid checkpoint record',
          ]),
          errorRate(api, 130, 1),
          errorRate(orders, 130, 1),
          errorRate(web, 140, 0.65),
        ],
        [],
        [link(api, db), link(orders, db), link(web, api), link(web, orders)],
      ),
    category: 'dependency-failure',
    object: 'StatefulSet/shop/postgres',
    entity: entity('postgres'),
    action: 'notify-owner',
  },
  {
    name: 'dependency-failure: metrics-server down, HPAs blind',
    build: () =>
      scenario([
        signal({
          detector: 'hpa-limited',
          reason: 'FailedGetResourceMetric',
          severity: 'medium',
          object: {
            kind: 'HorizontalPodAutoscaler',
            namespace: 'shop',
            name: 'catalog-api',
          },
          fields: {
            target: { kind: 'Deployment', name: 'catalog-api' },
            maxReplicas: 4,
          },
          message:
            'Autoscaler catalog-api cannot scale: unable to get metrics for resource cpu',
        }),
        signal({
          detector: 'rollout-stuck',
          reason: 'ReplicasUnavailable',
          workload: {
            kind: 'Deployment',
            namespace: 'kube-system',
            name: 'metrics-server',
          },
          object: {
            kind: 'Deployment',
            namespace: 'kube-system',
            name: 'metrics-server',
          },
        }),
      ]),
    category: 'dependency-failure',
    object: 'Deployment/kube-system/metrics-server',
    entity: entity('metrics-server'),
    action: 'notify-owner',
  },
  {
    name: 'probe-misconfig: a release changed only the readiness probe',
    build: () =>
      scenario(
        [
          signal({
            detector: 'probe-failure',
            reason: 'ReadinessProbeFailed',
            workload: api,
            severity: 'medium',
            fields: {
              probe: 'readiness',
              httpPath: '/healthz',
              lastMessage:
                'Readiness probe failed: HTTP probe failed with statuscode: 404',
              podReady: false,
            },
          }),
        ],
        [
          revision(
            api,
            100,
            9,
            'catalog-api: readiness probe httpGet path /health/ready -> /healthz',
            [
              {
                path: 'spec.template.spec.containers[catalog-api].readinessProbe.httpGet.path',
                before: '/health/ready',
                after: '/healthz',
              },
            ],
          ),
        ],
      ),
    category: 'probe-misconfig',
    object: 'Deployment/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'rollback-deployment',
    params: { revision: 8 },
  },
  {
    name: 'probe-misconfig: liveness on a port nothing listens on, no change',
    build: () =>
      scenario([
        signal({
          detector: 'probe-failure',
          reason: 'LivenessProbeFailed',
          workload: api,
          severity: 'medium',
          fields: {
            probe: 'liveness',
            port: 8081,
            lastMessage:
              'Liveness probe failed: dial tcp 10.0.0.4:8081: connect: connection refused',
          },
        }),
        crash(api, 150, { lastExitCode: 137, lastReason: 'Error' }),
      ]),
    category: 'probe-misconfig',
    object: 'Deployment/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'notify-owner',
  },
  {
    name: 'node-failure: node NotReady, its pods unreachable',
    build: () =>
      scenario([
        signal({
          detector: 'node-not-ready',
          reason: 'NodeUnreachable',
          severity: 'critical',
          object: { kind: 'Node', name: 'node-b' },
          fields: {
            podsOnNode: 2,
            pods: ['shop/web-5fd5dc657d-rtd2p', 'shop/orders-66696b8679-69t7r'],
          },
        }),
        signal({
          detector: 'rollout-stuck',
          reason: 'ReplicasUnavailable',
          workload: web,
          object: web,
          firstSeen: 200,
        }),
      ]),
    category: 'node-failure',
    object: 'Node/node-b',
    entity: entity('web'),
    action: 'drain-node',
    params: { node: 'node-b' },
  },
  {
    name: 'node-pressure: memory pressure evicts pods',
    build: () =>
      scenario([
        signal({
          detector: 'node-pressure',
          reason: 'MemoryPressure',
          object: { kind: 'Node', name: 'node-2' },
          fields: { condition: 'MemoryPressure' },
        }),
        signal({
          detector: 'eviction',
          reason: 'Evicted',
          workload: orders,
          severity: 'medium',
          fields: {
            nodeName: 'node-2',
            statusMessage: 'The node was low on resource: memory.',
          },
        }),
      ]),
    category: 'node-pressure',
    object: 'Node/node-2',
    entity: entity('orders'),
    action: 'cordon-node',
    params: { node: 'node-2' },
  },
  {
    name: 'insufficient-capacity: nodes are full',
    build: () =>
      scenario([
        pending(orders, '0/3 nodes are available: 3 Insufficient cpu.', {
          requests: { cpu: 0.5, memory: 256 * MI },
        }),
      ]),
    category: 'insufficient-capacity',
    object: 'Deployment/shop/orders',
    entity: entity('orders'),
    action: 'notify-owner',
  },
  {
    name: 'quota-exceeded: a ResourceQuota refuses pods',
    build: () =>
      scenario([
        signal({
          detector: 'quota-rejected',
          reason: 'QuotaExceeded',
          workload: orders,
          object: {
            kind: 'ReplicaSet',
            namespace: 'shop',
            name: 'orders-66696b8679',
          },
          fields: {
            quota: 'shop-quota',
            failedCreateMessage:
              'pods "orders-66696b8679-abcde" is forbidden: exceeded quota: shop-quota, requested: limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi',
          },
        }),
      ]),
    category: 'quota-exceeded',
    object: 'ResourceQuota/shop/shop-quota',
    entity: entity('orders'),
    action: 'notify-owner',
  },
  {
    name: 'scheduling-constraint: a revision pins pods to a missing label',
    build: () =>
      scenario(
        [
          pending(
            web,
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
          ),
        ],
        [
          revision(web, 100, 4, 'web: nodeSelector set to {"disk":"ssd"}', [
            {
              path: 'spec.template.spec.nodeSelector',
              before: undefined,
              after: { disk: 'ssd' },
            },
          ]),
        ],
      ),
    category: 'scheduling-constraint',
    object: 'Deployment/shop/web',
    entity: entity('web'),
    action: 'rollback-deployment',
    params: { revision: 3 },
  },
  {
    name: 'storage: a claim cannot be provisioned',
    build: () =>
      scenario([
        signal({
          detector: 'pvc-pending',
          reason: 'ProvisioningFailed',
          object: {
            kind: 'PersistentVolumeClaim',
            namespace: 'shop',
            name: 'pgdata-postgres-0',
          },
          fields: { storageClassName: 'fast' },
          message:
            'Volume claim pgdata-postgres-0 is pending: storageclass.storage.k8s.io "fast" not found',
        }),
        signal({
          detector: 'rollout-stuck',
          reason: 'ReplicasUnavailable',
          workload: db,
          object: db,
        }),
      ]),
    category: 'storage',
    object: 'PersistentVolumeClaim/shop/pgdata-postgres-0',
    entity: entity('postgres'),
    action: 'notify-owner',
  },
  {
    name: 'storage: a volume filling up',
    build: () =>
      scenario([
        signal({
          detector: 'pvc-filling',
          reason: 'VolumeNearlyFull',
          severity: 'medium',
          object: {
            kind: 'PersistentVolumeClaim',
            namespace: 'shop',
            name: 'pgdata-postgres-0',
          },
          fields: { usedBytes: 7.6 * 1024 ** 3, capacityBytes: 8 * 1024 ** 3 },
        }),
        signal({
          detector: 'crash-loop',
          reason: 'CrashLoopBackOff',
          workload: db,
          fields: { lastExitCode: 1 },
          logs: ['FATAL: could not write to file: No space left on device'],
        }),
      ]),
    category: 'storage',
    object: 'PersistentVolumeClaim/shop/pgdata-postgres-0',
    entity: entity('postgres'),
    action: 'expand-volume',
    params: { size: '16Gi' },
  },
  {
    name: 'credential: auth errors after a Secret rotation',
    build: () =>
      scenario(
        [
          crash(orders, 200, {}, [
            'payment gateway: 401 Unauthorized: invalid api key',
          ]),
        ],
        [
          change(
            'secret',
            { kind: 'Secret', namespace: 'shop', name: 'gateway-creds' },
            150,
            'gateway-creds: values changed, hash "a1" -> "b2"; read by Deployment orders (env GATEWAY_KEY)',
            [{ path: 'hash', before: 'a1', after: 'b2' }],
            { entityRefs: [entity('orders')] },
          ),
        ],
      ),
    category: 'credential',
    object: 'Secret/shop/gateway-creds',
    entity: entity('orders'),
    action: 'notify-owner',
  },
  {
    name: 'job-failure: a CronJob run fails',
    build: () =>
      scenario([
        signal({
          detector: 'job-failed',
          reason: 'BackoffLimitExceeded',
          severity: 'medium',
          workload: {
            kind: 'CronJob',
            namespace: 'shop',
            name: 'nightly-report',
          },
          object: {
            kind: 'Job',
            namespace: 'shop',
            name: 'nightly-report-28999',
          },
          fields: { failedPods: 6, backoffLimit: 6 },
        }),
      ]),
    category: 'job-failure',
    object: 'CronJob/shop/nightly-report',
    entity: entity('nightly-report'),
    action: 'suspend-cronjob',
  },
  {
    name: 'external: a partner API times out, in-cluster dependencies healthy',
    build: () =>
      scenario(
        [
          crash(orders, 150, {}, [
            'calling api.payments-partner.com: connect ETIMEDOUT 203.0.113.10:443',
          ]),
        ],
        [],
        [link(orders, db)],
      ),
    category: 'external',
    object: 'Deployment/shop/orders',
    entity: entity('orders'),
    action: 'notify-owner',
  },
  {
    name: 'network: errors while the called services are healthy',
    build: () =>
      scenario(
        [errorRate(web, 150, 0.4)],
        [],
        [link(web, api), link(web, orders)],
      ),
    category: 'network',
    object: 'Deployment/shop/web',
    entity: entity('web'),
    action: 'notify-owner',
  },
  {
    name: 'bad-config: a ConfigMap edit reaches new pods through a rollout restart',
    build: () =>
      scenario(
        [crash(api, 200, {}, ['FATAL config: POOL_SIZE must be >= 1, got 0'])],
        [
          change(
            'config',
            { kind: 'ConfigMap', namespace: 'shop', name: 'catalog-config' },
            90,
            'catalog-config: POOL_SIZE 20 -> 0; read by Deployment catalog-api (envFrom)',
            [{ path: 'data.POOL_SIZE', before: '20', after: '0' }],
            { revision: '5120', entityRefs: [entity('catalog-api')] },
          ),
          revision(
            api,
            160,
            8,
            'catalog-api: restarted (rollout restart at 2025-03-04T00:02:40Z)',
            [
              {
                path: 'spec.template.metadata',
                before: undefined,
                after: {
                  annotations: {
                    'kubectl.kubernetes.io/restartedAt': '2025-03-04T00:02:40Z',
                  },
                },
              },
            ],
          ),
        ],
      ),
    category: 'bad-config',
    object: 'ConfigMap/shop/catalog-config',
    entity: entity('catalog-api'),
    action: 'revert-config',
    params: { configMap: 'catalog-config' },
  },
  {
    name: 'credential: a rotated Secret reaches new pods through a rollout restart (redacted log)',
    build: () =>
      scenario(
        [
          crash(orders, 220, {}, [
            'FATAL: password [REDACTED] failed for user "orders"',
          ]),
        ],
        [
          change(
            'secret',
            {
              kind: 'Secret',
              namespace: 'shop',
              name: 'orders-db-credentials',
            },
            100,
            'orders-db-credentials: values changed, hash sha256:8fd1 -> sha256:ffa7; read by Deployment orders (env DB_PASSWORD)',
            [{ path: 'hash', before: 'sha256:8fd1', after: 'sha256:ffa7' }],
            { entityRefs: [entity('orders')] },
          ),
          revision(
            orders,
            180,
            5,
            'orders: restarted (rollout restart at 2025-03-04T00:03:00Z)',
            [
              {
                path: 'spec.template.metadata.annotations',
                before: undefined,
                after: {
                  'kubectl.kubernetes.io/restartedAt': '2025-03-04T00:03:00Z',
                },
              },
            ],
          ),
        ],
        [link(orders, db)],
      ),
    category: 'credential',
    object: 'Secret/shop/orders-db-credentials',
    entity: entity('orders'),
    action: 'notify-owner',
  },
  {
    name: 'bad-config: a Service selector gains a key no pod carries',
    build: () =>
      scenario(
        [errorRate(web, 150)],
        [
          change(
            'service',
            { kind: 'Service', namespace: 'shop', name: 'catalog-api' },
            100,
            'catalog-api: selector app=catalog-api -> app=catalog-api, version=v4; now selects no workload (was Deployment catalog-api)',
            [
              {
                path: 'spec.selector.version',
                before: undefined,
                after: 'v4',
              },
            ],
            { entityRefs: [entity('catalog-api')] },
          ),
        ],
      ),
    category: 'bad-config',
    object: 'Service/shop/catalog-api',
    entity: entity('catalog-api'),
    action: 'notify-owner',
  },
  {
    name: 'quota-exceeded: a LimitRange refuses the pods of a revision that raised a limit',
    build: () =>
      scenario(
        [
          signal({
            detector: 'quota-rejected',
            reason: 'FailedCreate',
            workload: orders,
            object: {
              kind: 'ReplicaSet',
              namespace: 'shop',
              name: 'orders-7f9c8d7b6',
            },
            firstSeen: 115,
            fields: {
              failedCreateMessage:
                'pods "orders-7f9c8d7b6-x1y2z" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi',
            },
          }),
        ],
        [
          revision(orders, 60, 3, 'orders: image 1.9.2 -> 1.9.3', []),
          revision(orders, 100, 4, 'orders: memory limit 768Mi -> 2Gi', [
            {
              path: 'spec.template.spec.containers[orders].resources.limits.memory',
              before: '768Mi',
              after: '2Gi',
            },
          ]),
        ],
      ),
    category: 'quota-exceeded',
    object: 'Deployment/shop/orders',
    entity: entity('orders'),
    action: 'rollback-deployment',
    params: { revision: 3 },
  },
  {
    name: 'storage: pods wait for an unbound claim (the scheduler note on preemption is no constraint)',
    build: () =>
      scenario([
        pending(
          orders,
          '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
          { volumes: ['orders-uploads'] },
        ),
      ]),
    category: 'storage',
    object: 'PersistentVolumeClaim/shop/orders-uploads',
    entity: entity('orders'),
    action: 'notify-owner',
  },
  {
    name: 'cpu-saturation: probes time out on a throttled container (not a probe misconfiguration)',
    build: () =>
      scenario([
        signal({
          detector: 'cpu-throttling',
          reason: 'CPUThrottled',
          workload: orders,
          severity: 'medium',
          firstSeen: 120,
          fields: { throttledRatio: 0.75, cpuLimitCores: 0.2 },
        }),
        signal({
          detector: 'probe-failure',
          reason: 'LivenessProbeFailed',
          workload: orders,
          severity: 'medium',
          firstSeen: 130,
          fields: {
            probe: 'liveness',
            port: 'http',
            lastMessage:
              'Liveness probe failed: Get "http://10.1.0.3:8080/live": dial tcp 10.1.0.3:8080: connect: connection refused\nLiveness probe failed: Get "http://10.1.0.3:8080/live": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
          },
        }),
        crash(orders, 200, { lastExitCode: 137, lastReason: 'Error' }),
      ]),
    category: 'cpu-saturation',
    object: 'Deployment/shop/orders',
    entity: entity('orders'),
    action: 'set-resources',
    params: { cpuLimit: '500m' },
  },
  {
    name: 'job-failure: a one-off Job that gave up after its retries',
    build: () =>
      scenario([
        signal({
          detector: 'job-failed',
          reason: 'BackoffLimitExceeded',
          workload: { kind: 'Job', namespace: 'shop', name: 'reindex-2025-03' },
          object: { kind: 'Job', namespace: 'shop', name: 'reindex-2025-03' },
          message:
            'Job reindex-2025-03 failed: Job has reached the specified backoff limit',
          fields: { failedPods: 4, backoffLimit: 3 },
        }),
      ]),
    category: 'job-failure',
    object: 'Job/shop/reindex-2025-03',
    entity: entity('reindex-2025-03'),
    action: 'notify-owner',
  },
];

export { noLinks, T0 };
