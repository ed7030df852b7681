/* eslint-disable no-console */
/**
 * The production RBAC against AI SRE's own calls, without a real cluster:
 *
 *   yarn tsx deploy/kubernetes/rbac-check.ts RENDERED_PRODUCTION.yaml
 *
 * Starts the sandbox cluster with RBAC enforced, creates the ClusterRoles
 * and bindings of the rendered overlay, and then, as the overlay's service
 * account (ai-sre/backstage):
 *
 *  - runs the real telemetry informers (ClusterMonitor with every built-in
 *    detector), a log capture, a metrics.k8s.io read and the Secret read of
 *    log redaction: all must be allowed;
 *  - runs every allow-listed action handler of the execution layer
 *    (plugins/ai-sre-backend/src/execution/actions.ts) and sends each
 *    operation it prepares as the server-side dry-run the executor sends,
 *    plus the PUT that reverts it: allowed in a namespace the overlay lists,
 *    refused (403) in one it does not;
 *  - tries what AI SRE never does (create or delete workloads, read Secret
 *    values one by one, delete nodes, ...): all must be refused.
 *
 * An action handler without a case here fails the check, so a new action
 * cannot ship without deciding its RBAC. Exits 1 on any failure.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  parseScenario,
  preloadManifestValidators,
  Sandbox,
  startSandbox,
  VirtualClock,
} from '@internal/k8s-sandbox';
import type {
  Change,
  PlanStep,
  RemediationAction,
} from '@internal/plugin-ai-sre-common';
import type { AiSreClock } from '@internal/plugin-ai-sre-node';
import { ClusterMonitor } from '../../plugins/ai-sre-backend/src/telemetry/ClusterMonitor';
import { builtInDetectors } from '../../plugins/ai-sre-backend/src/telemetry/detectors';
import { KubeClient } from '../../plugins/ai-sre-backend/src/telemetry/kube/KubeClient';
import {
  actionHandlers,
  type ObjectHeader,
  type Operation,
} from '../../plugins/ai-sre-backend/src/execution/actions';
import {
  describeKubeError,
  KubernetesClusterOps,
} from '../../plugins/ai-sre-backend/src/execution/ClusterOps';

const SA_NAMESPACE = 'ai-sre';
const SA_NAME = 'backstage';
const UNLISTED = 'rbac-check-unlisted';

type Outcome = 'allowed' | 'forbidden' | `error: ${string}`;

let failures = 0;
let checks = 0;
function expect(what: string, outcome: Outcome, wanted: Outcome) {
  checks++;
  if (outcome === wanted) {
    console.log(`  ok    ${what}: ${outcome}`);
  } else {
    failures++;
    console.log(`  FAIL  ${what}: ${outcome}, expected ${wanted}`);
  }
}

function statusOf(error: unknown): number | undefined {
  const e = error as { code?: number; statusCode?: number };
  return e?.code ?? e?.statusCode;
}

async function attempt(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    await fn();
    return 'allowed';
  } catch (error) {
    if (statusOf(error) === 403) return 'forbidden';
    return `error: ${describeKubeError(error)}`;
  }
}

function clockOf(clock: VirtualClock): AiSreClock {
  return {
    now: () => clock.now(),
    setTimeout(fn, ms) {
      const handle = clock.setTimeout(fn, ms);
      return { cancel: () => clock.clear(handle) };
    },
  };
}

function kubeConfig(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'sandbox', server, skipTLSVerify: true },
    { name: 'user', token },
  );
  return kc;
}

/** The workloads every action needs a target among, in one namespace. */
function objectsIn(namespace: string): object[] {
  const labels = { app: 'web', 'backstage.io/kubernetes-id': 'web' };
  const pod = (image: string, name: string, appLabels: object) => ({
    metadata: { labels: appLabels },
    spec: {
      containers: [
        {
          name,
          image,
          resources: {
            requests: { cpu: '50m', memory: '64Mi' },
            limits: { memory: '128Mi' },
          },
        },
      ],
    },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace },
      data: { LOG_LEVEL: 'debug' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web-credentials', namespace },
      stringData: { PASSWORD: 'not-a-real-one' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: pod('web:1', 'web', labels),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace },
      spec: {
        selector: { app: 'web' },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace },
      spec: {
        scaleTargetRef: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
        },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: 80 },
            },
          },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: pod('db:1', 'db', { app: 'db' }),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: pod('agent:1', 'agent', { app: 'agent' }),
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'OnFailure',
                containers: [{ name: 'report', image: 'report:1' }],
              },
            },
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'standard',
        resources: { requests: { storage: '1Gi' } },
      },
    },
  ];
}

function scenarioFor(namespaces: string[]) {
  const objects = [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard' },
      provisioner: 'sandbox.local/standard',
      allowVolumeExpansion: true,
    },
    ...namespaces.flatMap(objectsIn),
  ];
  // A second revision of each Deployment, for the rollback.
  const timeline = namespaces.map(namespace => {
    const deployment = objectsIn(namespace).find(
      (o: any) => o.kind === 'Deployment',
    ) as any;
    deployment.spec.template.spec.containers[0].image = 'web:2';
    return { at: '5s', apply: deployment };
  });
  return parseScenario(
    JSON.stringify({
      version: 1,
      id: 'rbac-check',
      title: 'Targets for every action, in a listed and an unlisted namespace',
      cluster: { objects },
      timeline,
    }),
    'rbac-check.yaml',
  );
}

const header = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
): ObjectHeader => ({
  apiVersion,
  kind,
  name,
  ...(namespace ? { namespace } : {}),
});

function step(
  action: RemediationAction,
  target: ObjectHeader,
  params: PlanStep['params'] = {},
): PlanStep {
  return {
    action,
    target: {
      kind: target.kind,
      namespace: target.namespace,
      name: target.name,
    },
    params,
    risk: 'low',
    expectedEffect: '-',
    verification: '-',
    inverse: '-',
  };
}

/** A plan step per action and namespace (nodes: the node itself). */
function casesFor(
  namespace: string,
  node: string,
): Array<{ step: PlanStep; nodeScoped?: boolean }> {
  const deployment = header('apps/v1', 'Deployment', 'web', namespace);
  const statefulSet = header('apps/v1', 'StatefulSet', 'db', namespace);
  const daemonSet = header('apps/v1', 'DaemonSet', 'agent', namespace);
  return [
    { step: step('rollback-deployment', deployment) },
    { step: step('restart-workload', deployment) },
    { step: step('restart-workload', statefulSet) },
    { step: step('restart-workload', daemonSet) },
    { step: step('scale-workload', deployment, { replicas: 3 }) },
    { step: step('scale-workload', statefulSet, { replicas: 2 }) },
    {
      step: step('set-resources', deployment, {
        container: 'web',
        memoryLimit: '256Mi',
      }),
    },
    {
      step: step(
        'set-autoscaler',
        header('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', namespace),
        { maxReplicas: 6 },
      ),
    },
    {
      step: step(
        'revert-config',
        header('v1', 'ConfigMap', 'web-config', namespace),
      ),
    },
    { step: step('revert-config', header('v1', 'Service', 'web', namespace)) },
    {
      step: step(
        'suspend-cronjob',
        header('batch/v1', 'CronJob', 'report', namespace),
      ),
    },
    {
      step: step(
        'expand-volume',
        header('v1', 'PersistentVolumeClaim', 'data', namespace),
        { size: '2Gi' },
      ),
    },
    { step: step('cordon-node', header('v1', 'Node', node)), nodeScoped: true },
    { step: step('drain-node', header('v1', 'Node', node)), nodeScoped: true },
  ];
}

/** Recorded changes, for revert-config (the ChangeTracker records them live). */
function changesOf(cluster: string, objectRef: string): Change[] {
  const [kind, namespace, name] = objectRef.split('/');
  const diff =
    kind === 'ConfigMap'
      ? [{ path: 'data.LOG_LEVEL', before: 'info', after: 'debug' }]
      : [{ path: 'spec.selector.app', before: 'web', after: 'web-v2' }];
  return [
    {
      id: `change-${objectRef}`,
      cluster,
      object: { kind, namespace, name },
      kind: kind === 'ConfigMap' ? 'config' : 'service',
      at: new Date(0).toISOString(),
      revision: null,
      summary: '-',
      diff,
      labels: {},
      entityRefs: [],
    },
  ];
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: rbac-check.ts RENDERED_PRODUCTION.yaml');
    process.exit(2);
  }
  const rendered = parseAllDocuments(readFileSync(file, 'utf8'))
    .map(doc => doc.toJSON())
    .filter(Boolean);
  const rbac = rendered.filter((o: any) =>
    ['ClusterRole', 'ClusterRoleBinding', 'RoleBinding', 'Role'].includes(
      o.kind,
    ),
  );
  const listed: string[] = [
    ...new Set<string>(
      rbac
        .filter((o: any) => o.kind === 'RoleBinding')
        .map((o: any) => o.metadata.namespace),
    ),
  ];
  const has = (name: string) =>
    rbac.some(
      (o: any) => o.kind === 'ClusterRoleBinding' && o.roleRef?.name === name,
    );
  const secretRead = rbac.some(
    (o: any) =>
      o.kind === 'ClusterRole' &&
      (o.rules ?? []).some((r: any) => (r.resources ?? []).includes('secrets')),
  );
  const nodeActions = has('ai-sre-execute-nodes');
  const allowedNs = listed[0];
  console.log(
    `RBAC of ${file}: execute in ${listed.join(', ') || 'no namespace'}; ` +
      `Secret read ${secretRead ? 'on' : 'off'}; node actions ${
        nodeActions ? 'on' : 'off'
      }`,
  );

  const namespaces = [...(allowedNs ? [allowedNs] : []), UNLISTED];
  // Scenario manifests are validated synchronously; tsx needs the schemas first.
  await preloadManifestValidators();
  const sandbox: Sandbox = await startSandbox({
    scenario: scenarioFor(namespaces),
    rbac: true,
    tls: false,
  });
  try {
    const admin = kubeConfig(sandbox.url, sandbox.adminToken);
    const adminClient = new KubeClient(admin);
    // The overlay's RBAC objects, as `kubectl apply` would create them.
    for (const object of rbac as any[]) {
      const plural = `${object.kind.toLowerCase()}s`;
      const path = object.metadata.namespace
        ? `/apis/rbac.authorization.k8s.io/v1/namespaces/${object.metadata.namespace}/${plural}`
        : `/apis/rbac.authorization.k8s.io/v1/${plural}`;
      await post(sandbox.url, sandbox.adminToken, path, object);
    }
    await sandbox.advance(60_000);

    const token = sandbox.server.issueServiceAccountToken(
      SA_NAMESPACE,
      SA_NAME,
    );
    const kc = kubeConfig(sandbox.url, token);
    const client = new KubeClient(kc);

    console.log('telemetry (cluster-wide reads)');
    const monitor = new ClusterMonitor({
      cluster: 'sandbox',
      client,
      clock: clockOf(sandbox.clock),
      detectors: builtInDetectors,
      settings: detector => ({ ...(detector.defaults ?? {}) }),
      emit: () => undefined,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    monitor.start();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const informers = monitor.health().informers;
      if (
        informers.every(i => i.synced || i.errors > 0) ||
        Date.now() > deadline
      ) {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    // The watches open after the lists: give a refused watch time to fail.
    await new Promise(resolve => setTimeout(resolve, 1000));
    for (const informer of monitor.health().informers) {
      const outcome: Outcome =
        informer.synced && informer.errors === 0 && informer.watches > 0
          ? 'allowed'
          : /forbidden|\b403\b/i.test(informer.lastError ?? '')
          ? 'forbidden'
          : `error: ${informer.lastError ?? 'not synced'}`;
      const wanted: Outcome =
        informer.kind === 'Secret' && !secretRead ? 'forbidden' : 'allowed';
      expect(`list and watch ${informer.kind} (cluster-wide)`, outcome, wanted);
    }
    monitor.stop();

    const pods = (await adminClient.getJson('/api/v1/pods')).items as any[];
    const podIn = (namespace: string, app?: string) =>
      pods.find(
        p =>
          p.metadata.namespace === namespace &&
          (!app || p.metadata.labels?.app === app),
      );
    const somePod = podIn(UNLISTED, 'web');
    expect(
      `read the log of pod ${UNLISTED}/${somePod.metadata.name}`,
      await attempt(() =>
        client.readLog({
          namespace: UNLISTED,
          pod: somePod.metadata.name,
          container: 'web',
          previous: false,
          tailLines: 10,
          limitBytes: 4096,
        }),
      ),
      'allowed',
    );
    expect(
      'read pod usage from metrics.k8s.io (cluster-wide)',
      await attempt(() => client.getJson('/apis/metrics.k8s.io/v1beta1/pods')),
      'allowed',
    );
    expect(
      `list the Secrets of ${UNLISTED} (log redaction)`,
      await attempt(() =>
        client.getJson(`/api/v1/namespaces/${UNLISTED}/secrets`),
      ),
      secretRead ? 'allowed' : 'forbidden',
    );

    console.log('execution (every action handler, dry-run and revert)');
    const ops = new KubernetesClusterOps({
      kubeConfig: kc,
      cluster: 'sandbox',
      now: () => sandbox.clock.now(),
      changes: async (cluster, ref) => changesOf(cluster, ref),
    });
    const nodeOf = (namespace: string) =>
      (podIn(namespace, 'web') ?? pods[0]).spec.nodeName as string;
    const covered = new Set<string>();
    for (const namespace of namespaces) {
      const inList = listed.includes(namespace);
      for (const { step: planStep, nodeScoped } of casesFor(
        namespace,
        nodeOf(namespace),
      )) {
        if (nodeScoped && namespace !== namespaces[0]) continue;
        const handler = actionHandlers.find(h => h.action === planStep.action)!;
        covered.add(planStep.action);
        const where = nodeScoped
          ? `Node/${planStep.target!.name}`
          : `${planStep.target!.kind}/${namespace}/${planStep.target!.name}`;
        let operations: Operation[] = [];
        const prepared = await attempt(async () => {
          operations = await handler.prepare(planStep, ops);
        });
        expect(
          `${planStep.action} ${where}: prepare (reads)`,
          prepared,
          'allowed',
        );
        for (const operation of operations) {
          const target = operation.object;
          const ref = `${target.kind}/${
            target.namespace ? `${target.namespace}/` : ''
          }${target.name}`;
          const writable =
            target.kind === 'Node'
              ? nodeActions
              : listed.includes(target.namespace!);
          const wanted: Outcome = writable ? 'allowed' : 'forbidden';
          if (operation.type === 'patch') {
            expect(
              `${planStep.action}: dry-run PATCH ${ref}`,
              await attempt(() =>
                ops.patch(target, operation.patch, operation.strategy, true),
              ),
              wanted,
            );
            expect(
              `${planStep.action}: dry-run PUT ${ref} (revert)`,
              await attempt(async () =>
                ops.replace(await ops.read(target), true),
              ),
              wanted,
            );
          } else if (operation.type === 'evict') {
            expect(
              `${planStep.action}: dry-run eviction of ${ref}`,
              await attempt(() => ops.evict(target, true)),
              wanted,
            );
          } else {
            expect(
              `${planStep.action}: dry-run DELETE ${ref}`,
              await attempt(() => ops.delete(target, true)),
              wanted,
            );
          }
        }
      }
      const pod = podIn(namespace, 'web');
      covered.add('delete-pod');
      const podStep = step(
        'delete-pod',
        header('v1', 'Pod', pod.metadata.name, namespace),
      );
      const [operation] = await actionHandlers
        .find(h => h.action === 'delete-pod')!
        .prepare(podStep, ops);
      expect(
        `delete-pod: dry-run DELETE Pod/${namespace}/${pod.metadata.name}`,
        await attempt(() => ops.delete(operation.object, true)),
        inList ? 'allowed' : 'forbidden',
      );
    }
    for (const handler of actionHandlers) {
      if (handler.readOnly) continue;
      checks++;
      if (!covered.has(handler.action)) {
        failures++;
        console.log(
          `  FAIL  action ${handler.action} has no case in rbac-check.ts: add one, and its RBAC`,
        );
      }
    }

    console.log('never (least privilege)');
    const ns = allowedNs ?? UNLISTED;
    const never: Array<[string, string, string, object?]> = [
      [
        'POST',
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        'create a Deployment',
        objectsIn(ns)[3],
      ],
      [
        'DELETE',
        `/apis/apps/v1/namespaces/${ns}/deployments/web`,
        'delete a Deployment',
      ],
      [
        'GET',
        `/api/v1/namespaces/${ns}/secrets/web-credentials`,
        'get a Secret',
      ],
      [
        'PATCH',
        `/api/v1/namespaces/${ns}/secrets/web-credentials`,
        'patch a Secret',
        { metadata: { labels: { x: 'y' } } },
      ],
      [
        'POST',
        `/api/v1/namespaces/${ns}/pods`,
        'create a Pod',
        { metadata: { name: 'x' } },
      ],
      [
        'POST',
        `/api/v1/namespaces/${ns}/pods/${podIn(ns).metadata.name}/exec`,
        'exec into a Pod',
        {},
      ],
      ['DELETE', `/api/v1/nodes/${nodeOf(ns)}`, 'delete a Node'],
      ['DELETE', `/api/v1/namespaces/${ns}`, 'delete a Namespace'],
      [
        'POST',
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        'create a ClusterRoleBinding',
        { metadata: { name: 'x' } },
      ],
      [
        'PATCH',
        `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`,
        'patch deployments/scale',
        { spec: { replicas: 9 } },
      ],
    ];
    for (const [method, path, what, body] of never) {
      expect(
        `${what} (${method} ${path})`,
        await raw(sandbox.url, token, method, path, body),
        'forbidden',
      );
    }
  } finally {
    await sandbox.stop();
  }
  console.log(
    `\n${checks - failures}/${checks} RBAC checks passed${
      failures ? `, ${failures} FAILED` : ''
    }`,
  );
  process.exit(failures ? 1 : 0);
}

async function post(server: string, token: string, path: string, body: object) {
  const outcome = await raw(server, token, 'POST', path, body);
  if (outcome !== 'allowed') {
    throw new Error(`POST ${path}: ${outcome}`);
  }
}

async function raw(
  server: string,
  token: string,
  method: string,
  path: string,
  body?: object,
): Promise<Outcome> {
  const response = await fetch(server + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type':
        method === 'PATCH'
          ? 'application/merge-patch+json'
          : 'application/json',
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.ok) return 'allowed';
  if (response.status === 403) return 'forbidden';
  return `error: ${response.status} ${(await response.text()).slice(0, 200)}`;
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
