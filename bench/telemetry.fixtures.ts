/**
 * Shared inputs of the telemetry benchmarks: realistic, deterministic pod
 * JSON (managedFields, many annotations, env values, volumes, ~5 KB each),
 * the Deployments, ReplicaSets and Nodes their owner chains resolve to, and a
 * sandbox API server with a ClusterMonitor watching it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  buildKubeconfig,
  createApiServer,
  ObjectStore,
  type ApiServer,
} from '@internal/k8s-sandbox';
import type { AiSreClock } from '@internal/plugin-ai-sre-node';
import {
  ClusterMonitor,
  type ClusterMonitorOptions,
} from '../plugins/ai-sre-backend/src/telemetry/ClusterMonitor';
import { builtInDetectors } from '../plugins/ai-sre-backend/src/telemetry/detectors';
import { KubeClient } from '../plugins/ai-sre-backend/src/telemetry/kube/KubeClient';

export const NAMESPACES = 20;
export const DEPLOYMENTS = 200;
export const NODES = 30;
export const TOKEN = 'bench-admin';
const EPOCH = Date.parse('2025-03-04T00:00:00Z');

/** Seeded PRNG (mulberry32): the same numbers on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, width: number) =>
  (n >>> 0).toString(16).padStart(width, '0').slice(-width);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
/** A uuid-shaped id derived from a number (deterministic). */
export const uidOf = (prefix: number, n: number) =>
  `${hex(prefix * 2654435761, 8)}-${hex(n, 4)}-4${hex(n >>> 4, 3)}-a${hex(
    n * 7,
    3,
  )}-${hex(n * 2246822519, 8)}${hex(prefix + n, 4)}`;

const TEAMS = ['payments', 'catalog', 'checkout', 'search', 'identity'];

export function namespaceOf(deployment: number): string {
  return `team-${TEAMS[deployment % TEAMS.length]}-${deployment % NAMESPACES}`;
}
export const appOf = (deployment: number) => `svc-${deployment}`;
export const templateHash = (deployment: number) =>
  hex(deployment * 374761393, 10).replace(/[0-9]/g, d =>
    'bcdfghjklm'.charAt(Number(d)),
  );
const rsName = (d: number) => `${appOf(d)}-${templateHash(d)}`;

export function nodeObject(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `node-${i}`,
      uid: uidOf(3, i),
      labels: {
        'kubernetes.io/hostname': `node-${i}`,
        'node.kubernetes.io/instance-type': 'm6i.2xlarge',
        'topology.kubernetes.io/zone': `eu-west-1${'abc'.charAt(i % 3)}`,
      },
    },
    spec: { podCIDR: `10.${i}.0.0/24` },
    status: {
      capacity: { cpu: '8', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '7910m', memory: '31Gi', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastTransitionTime: iso(EPOCH - 86_400_000),
        },
      ],
    },
  };
}

function templateLabels(d: number) {
  return {
    app: appOf(d),
    'app.kubernetes.io/name': appOf(d),
    'app.kubernetes.io/part-of': TEAMS[d % TEAMS.length],
    'backstage.io/kubernetes-id': appOf(d),
  };
}

export function deploymentObject(d: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: appOf(d),
      namespace: namespaceOf(d),
      uid: uidOf(1, d),
      labels: templateLabels(d),
      annotations: { 'deployment.kubernetes.io/revision': '3' },
    },
    spec: {
      replicas: 50,
      selector: { matchLabels: { app: appOf(d) } },
      template: {
        metadata: { labels: templateLabels(d) },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example.com/${appOf(d)}:1.${d % 9}.0`,
            },
          ],
        },
      },
    },
    status: { replicas: 50, readyReplicas: 50, availableReplicas: 50 },
  };
}

export function replicaSetObject(d: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: rsName(d),
      namespace: namespaceOf(d),
      uid: uidOf(2, d),
      labels: { ...templateLabels(d), 'pod-template-hash': templateHash(d) },
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: appOf(d),
          uid: uidOf(1, d),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: 50,
      selector: {
        matchLabels: { app: appOf(d), 'pod-template-hash': templateHash(d) },
      },
      template: {
        metadata: { labels: templateLabels(d) },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example.com/${appOf(d)}:1.${d % 9}.0`,
            },
          ],
        },
      },
    },
    status: { replicas: 50, readyReplicas: 50, availableReplicas: 50 },
  };
}

/** The Nodes, Deployments and ReplicaSets pods' owner chains resolve to. */
export function clusterObjects() {
  return [
    ...Array.from({ length: NODES }, (_, i) => nodeObject(i)),
    ...Array.from({ length: DEPLOYMENTS }, (_, d) => deploymentObject(d)),
    ...Array.from({ length: DEPLOYMENTS }, (_, d) => replicaSetObject(d)),
  ];
}

const MANAGED_SPEC = {
  'f:metadata': {
    'f:annotations': {
      '.': {},
      'f:checksum/config': {},
      'f:kubectl.kubernetes.io/restartedAt': {},
      'f:prometheus.io/path': {},
      'f:prometheus.io/port': {},
      'f:prometheus.io/scrape': {},
    },
    'f:generateName': {},
    'f:labels': {
      '.': {},
      'f:app': {},
      'f:app.kubernetes.io/name': {},
      'f:app.kubernetes.io/part-of': {},
      'f:backstage.io/kubernetes-id': {},
      'f:pod-template-hash': {},
    },
    'f:ownerReferences': { '.': {}, 'k:{"uid":"OWNER"}': {} },
  },
  'f:spec': {
    'f:containers': {
      'k:{"name":"app"}': {
        '.': {},
        'f:env': {
          '.': {},
          'k:{"name":"LOG_LEVEL"}': { '.': {}, 'f:name': {}, 'f:value': {} },
          'k:{"name":"DATABASE_URL"}': {
            '.': {},
            'f:name': {},
            'f:valueFrom': { '.': {}, 'f:secretKeyRef': {} },
          },
        },
        'f:image': {},
        'f:imagePullPolicy': {},
        'f:name': {},
        'f:ports': { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': {} },
        'f:resources': { '.': {}, 'f:limits': {}, 'f:requests': {} },
      },
    },
    'f:dnsPolicy': {},
    'f:enableServiceLinks': {},
    'f:restartPolicy': {},
    'f:schedulerName': {},
    'f:volumes': {
      '.': {},
      'k:{"name":"config"}': { '.': {}, 'f:configMap': {}, 'f:name': {} },
      'k:{"name":"tmp"}': { '.': {}, 'f:emptyDir': {}, 'f:name': {} },
    },
  },
};

const MANAGED_STATUS = {
  'f:status': {
    'f:conditions': {
      'k:{"type":"ContainersReady"}': {
        '.': {},
        'f:lastProbeTime': {},
        'f:lastTransitionTime': {},
        'f:status': {},
        'f:type': {},
      },
      'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} },
    },
    'f:containerStatuses': {},
    'f:hostIP': {},
    'f:hostIPs': {},
    'f:phase': {},
    'f:podIP': {},
    'f:podIPs': { '.': {}, 'k:{"ip":"IP"}': { '.': {}, 'f:ip': {} } },
    'f:startTime': {},
  },
};

export interface PodState {
  restartCount: number;
  ready: boolean;
  /** CrashLoopBackOff after a failed exit (opens a crash-loop signal). */
  crashing: boolean;
  /** Seconds after the epoch the current container started. */
  startedAt: number;
}

export const HEALTHY: PodState = {
  restartCount: 0,
  ready: true,
  crashing: false,
  startedAt: 60,
};

/** The deployment a pod belongs to (round robin). */
export const deploymentOfPod = (i: number) => i % DEPLOYMENTS;
export const podName = (i: number) =>
  `${rsName(deploymentOfPod(i))}-${(i * 2654435761)
    .toString(36)
    .slice(-5)
    .padStart(5, 'x')}`;

function podStatus(i: number, state: PodState) {
  const d = deploymentOfPod(i);
  const started = iso(EPOCH + state.startedAt * 1000);
  const ip = `10.${i % NODES}.${(i >> 8) & 255}.${i & 255}`;
  const hostIP = `192.168.${i % NODES}.10`;
  const image = `registry.example.com/${appOf(d)}:1.${d % 9}.0`;
  const ready = state.ready && !state.crashing;
  const cond = (type: string, status: boolean) => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: started,
    ...(status
      ? {}
      : {
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [app]',
        }),
  });
  return {
    phase: 'Running',
    conditions: [
      cond('Initialized', true),
      cond('Ready', ready),
      cond('ContainersReady', ready),
      cond('PodScheduled', true),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: iso(EPOCH + 30_000),
    containerStatuses: [
      {
        name: 'app',
        image,
        imageID: `registry.example.com/${appOf(d)}@sha256:${hex(
          d * 2654435761,
          8,
        ).repeat(8)}`,
        containerID: `containerd://${hex(i * 40503, 8).repeat(8)}`,
        ready,
        started: !state.crashing,
        restartCount: state.restartCount,
        state: state.crashing
          ? {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off 40s restarting failed container=app pod=${podName(
                  i,
                )}_${namespaceOf(d)}(${uidOf(4, i)})`,
              },
            }
          : { running: { startedAt: started } },
        lastState:
          state.restartCount > 0
            ? {
                terminated: state.crashing
                  ? {
                      exitCode: 1,
                      reason: 'Error',
                      message:
                        'panic: dial tcp 10.0.0.12:5432: connect refused',
                      startedAt: iso(EPOCH + (state.startedAt - 20) * 1000),
                      finishedAt: iso(EPOCH + state.startedAt * 1000),
                      containerID: `containerd://${hex(i * 9973, 8).repeat(8)}`,
                    }
                  : {
                      exitCode: 0,
                      reason: 'Completed',
                      startedAt: iso(EPOCH + 30_000),
                      finishedAt: iso(EPOCH + (state.startedAt - 1) * 1000),
                      containerID: `containerd://${hex(i * 9973, 8).repeat(8)}`,
                    },
              }
            : {},
      },
    ],
    qosClass: 'Burstable',
  };
}

/**
 * A pod as the API server sends it (about 5 KB of JSON). `uid` and
 * `resourceVersion` are set here for store-less use; the sandbox store
 * assigns its own.
 */
export function podObject(i: number, state: PodState = HEALTHY) {
  const d = deploymentOfPod(i);
  const random = prng(i + 1);
  const name = podName(i);
  const namespace = namespaceOf(d);
  const owner = uidOf(2, d);
  const env = [
    { name: 'LOG_LEVEL', value: random() < 0.5 ? 'info' : 'debug' },
    { name: 'PORT', value: '8080' },
    { name: 'SERVICE_NAME', value: appOf(d) },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel:4317' },
    {
      name: 'JAVA_TOOL_OPTIONS',
      value: `-XX:MaxRAMPercentage=75 -Dservice=${appOf(d)} -Dseed=${hex(
        random() * 4294967296,
        8,
      )}`,
    },
    {
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: `${appOf(d)}-db`, key: 'url' } },
    },
    {
      name: 'POD_NAME',
      valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${rsName(d)}-`,
      namespace,
      uid: uidOf(4, i),
      resourceVersion: String(100_000 + i),
      creationTimestamp: iso(EPOCH),
      labels: {
        ...templateLabels(d),
        'pod-template-hash': templateHash(d),
        'security.istio.io/tlsMode': 'istio',
        version: `v1.${d % 9}`,
      },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        'prometheus.io/path': '/metrics',
        'kubectl.kubernetes.io/restartedAt': iso(EPOCH - 3_600_000),
        'checksum/config': hex(random() * 4294967296, 8).repeat(8),
        'cni.projectcalico.org/podIP': `10.${i % NODES}.${(i >> 8) & 255}.${
          i & 255
        }/32`,
        'kubectl.kubernetes.io/default-container': 'app',
        'backstage.io/kubernetes-id': appOf(d),
        'sidecar.istio.io/status': JSON.stringify({
          initContainers: ['istio-validation'],
          containers: ['istio-proxy'],
          volumes: ['istio-envoy', 'istio-data', 'istio-podinfo'],
          imagePullSecrets: null,
          revision: 'default',
        }),
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rsName(d),
          uid: owner,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: iso(EPOCH),
          fieldsType: 'FieldsV1',
          fieldsV1: JSON.parse(
            JSON.stringify(MANAGED_SPEC).replace('OWNER', owner),
          ),
        },
        {
          manager: 'kubelet',
          operation: 'Update',
          apiVersion: 'v1',
          time: iso(EPOCH + 60_000),
          fieldsType: 'FieldsV1',
          fieldsV1: JSON.parse(
            JSON.stringify(MANAGED_STATUS).replace(
              'IP',
              `10.${i % NODES}.${(i >> 8) & 255}.${i & 255}`,
            ),
          ),
          subresource: 'status',
        },
      ],
    },
    spec: {
      volumes: [
        { name: 'config', configMap: { name: `${appOf(d)}-config` } },
        { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
        {
          name: 'kube-api-access',
          projected: {
            sources: [
              {
                serviceAccountToken: { expirationSeconds: 3607, path: 'token' },
              },
              {
                configMap: {
                  name: 'kube-root-ca.crt',
                  items: [{ key: 'ca.crt', path: 'ca.crt' }],
                },
              },
            ],
            defaultMode: 420,
          },
        },
      ],
      containers: [
        {
          name: 'app',
          image: `registry.example.com/${appOf(d)}:1.${d % 9}.0`,
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
          ],
          env,
          envFrom: [{ configMapRef: { name: `${appOf(d)}-env` } }],
          resources: {
            limits: { memory: '512Mi' },
            requests: { cpu: '250m', memory: '256Mi' },
          },
          volumeMounts: [
            { name: 'config', readOnly: true, mountPath: '/etc/app' },
            { name: 'tmp', mountPath: '/tmp' },
            {
              name: 'kube-api-access',
              readOnly: true,
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            },
          ],
          livenessProbe: {
            httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
            timeoutSeconds: 1,
            periodSeconds: 10,
            successThreshold: 1,
            failureThreshold: 3,
          },
          readinessProbe: {
            httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' },
            timeoutSeconds: 1,
            periodSeconds: 5,
            successThreshold: 1,
            failureThreshold: 3,
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: appOf(d),
      nodeName: `node-${i % NODES}`,
      securityContext: { fsGroup: 2000 },
      schedulerName: 'default-scheduler',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
    },
    status: podStatus(i, state),
  };
}

/** The status a pod update writes (for `ObjectStore.updateStatus`). */
export function podStatusUpdate(i: number, state: PodState) {
  const d = deploymentOfPod(i);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName(i), namespace: namespaceOf(d) },
    status: podStatus(i, state),
  };
}

/** A wall-clock AiSreClock. */
export const wallClock: AiSreClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

export const quietLogger = {
  info() {},
  warn() {},
  error() {},
};

/** A store with deterministic uids and times. */
export function newStore(historyLimit: number): ObjectStore {
  let uid = 0;
  return new ObjectStore({
    clock: { now: () => EPOCH },
    historyLimit,
    uid: () => uidOf(9, ++uid),
  });
}

/** A sandbox API server (plain HTTP) over `store`. */
export async function serve(
  store: ObjectStore,
): Promise<{ server: ApiServer; url: string; kubeConfig: KubeConfig }> {
  const server = createApiServer({
    store,
    clock: { now: () => Date.now() },
    adminToken: TOKEN,
    tls: false,
    // No bookmarks during a run: informer event counts are pod events only.
    bookmarkIntervalMs: 3_600_000,
    logs: {
      read: () => [
        'starting server on :8080',
        'panic: dial tcp 10.0.0.12:5432: connect refused',
      ],
      follow: () => () => {},
    },
  });
  const { url } = await server.listen(0);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(buildKubeconfig({ url, token: TOKEN }));
  return { server, url, kubeConfig };
}

/** A ClusterMonitor with the built-in detectors over a kubeconfig. */
export function newMonitor(
  kubeConfig: KubeConfig,
  emit: ClusterMonitorOptions['emit'],
): ClusterMonitor {
  return new ClusterMonitor({
    cluster: 'bench',
    client: new KubeClient(kubeConfig),
    clock: wallClock,
    detectors: builtInDetectors,
    settings: detector => ({ ...detector.defaults }),
    emit,
    logger: quietLogger,
    // No full re-evaluation inside a run: only watch events are measured.
    resyncSeconds: 3600,
  });
}

export const podInformerEvents = (monitor: ClusterMonitor) =>
  monitor.health().informers.find(i => i.kind === 'Pod')?.events ?? 0;

/** Resolves when `condition` holds, checking once per event-loop turn. */
export async function until(
  condition: () => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting');
    await new Promise(resolve => setImmediate(resolve));
  }
}

/** Waits until every informer of the monitor has listed. */
export async function synced(monitor: ClusterMonitor): Promise<void> {
  await until(() => monitor.health().synced, 30_000);
}
