/* eslint-disable no-console */
/**
 * Asserts the properties the manifests promise, on the rendered overlays:
 *
 *   node deploy/kubernetes/validate.mjs demo=DEMO.yaml production=PROD.yaml
 *
 * (deploy/kubernetes/validate.sh renders them with `kubectl kustomize` and
 * calls this). Prints one line per check and exits 1 if any fails.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const NAMESPACE = 'ai-sre';
const SERVICE_ACCOUNT = 'backstage';
const READ_VERBS = new Set(['get', 'list', 'watch']);
/** The ClusterRole bound per namespace with RoleBindings (components/execute). */
const EXECUTE_ROLE = 'ai-sre-execute';
/** The only ClusterRole with a write verb bound cluster-wide (components/node-actions). */
const NODE_ROLE = 'ai-sre-execute-nodes';
/** The verbs the execution layer sends, by API group and resource. */
const EXECUTE_ALLOWED = {
  'apps/deployments': ['patch', 'update'],
  'apps/statefulsets': ['patch', 'update'],
  'apps/daemonsets': ['patch', 'update'],
  'autoscaling/horizontalpodautoscalers': ['patch', 'update'],
  'batch/cronjobs': ['patch', 'update'],
  '/configmaps': ['patch', 'update'],
  '/services': ['patch', 'update'],
  '/persistentvolumeclaims': ['patch', 'update'],
  '/pods/eviction': ['create'],
  '/pods': ['delete'],
};

let failures = 0;
let checks = 0;
function check(overlay, ok, what, detail) {
  checks++;
  if (ok) {
    console.log(`  ok    ${overlay}: ${what}`);
  } else {
    failures++;
    console.log(`  FAIL  ${overlay}: ${what}${detail ? ` (${detail})` : ''}`);
  }
}

function load(file) {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map(doc => {
      if (doc.errors.length) {
        throw new Error(`${file}: ${doc.errors[0].message}`);
      }
      return doc.toJSON();
    })
    .filter(Boolean);
}

const id = o =>
  `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${
    o.metadata?.name
  }`;

function validatePod(overlay, deployment) {
  const pod = deployment.spec.template.spec;
  const podSc = pod.securityContext ?? {};
  check(
    overlay,
    podSc.runAsNonRoot === true && podSc.runAsUser > 0,
    'pod runs as non-root with a numeric non-zero uid',
    JSON.stringify(podSc),
  );
  check(
    overlay,
    podSc.seccompProfile?.type === 'RuntimeDefault',
    'pod seccompProfile is RuntimeDefault',
  );
  check(
    overlay,
    !pod.hostNetwork && !pod.hostPID && !pod.hostIPC,
    'no host network, PID or IPC namespace',
  );
  check(
    overlay,
    !(pod.volumes ?? []).some(v => v.hostPath),
    'no hostPath volume',
  );
  const volumes = new Map((pod.volumes ?? []).map(v => [v.name, v]));
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const name = `container ${c.name}`;
    check(
      overlay,
      sc.allowPrivilegeEscalation === false,
      `${name}: allowPrivilegeEscalation false`,
    );
    check(overlay, sc.privileged !== true, `${name}: not privileged`);
    check(
      overlay,
      sc.readOnlyRootFilesystem === true,
      `${name}: readOnlyRootFilesystem`,
    );
    check(
      overlay,
      (sc.runAsNonRoot ?? podSc.runAsNonRoot) === true &&
        (sc.runAsUser ?? podSc.runAsUser) !== 0,
      `${name}: runAsNonRoot`,
    );
    check(
      overlay,
      (sc.capabilities?.drop ?? []).includes('ALL') &&
        !(sc.capabilities?.add ?? []).length,
      `${name}: drops ALL capabilities, adds none`,
    );
    check(
      overlay,
      (sc.seccompProfile?.type ?? podSc.seccompProfile?.type) ===
        'RuntimeDefault',
      `${name}: seccompProfile RuntimeDefault`,
    );
    const r = c.resources ?? {};
    check(
      overlay,
      ['cpu', 'memory'].every(k => r.requests?.[k] && r.limits?.[k]),
      `${name}: cpu and memory requests and limits`,
      JSON.stringify(r),
    );
    const tmp = (c.volumeMounts ?? []).find(m => m.mountPath === '/tmp');
    check(
      overlay,
      !!tmp && !!volumes.get(tmp.name)?.emptyDir,
      `${name}: writable /tmp from an emptyDir`,
    );
    check(overlay, !!c.livenessProbe, `${name}: has a liveness probe`);
  }
  const backstage = pod.containers.find(c => c.name === 'backstage');
  check(overlay, !!backstage, 'container backstage exists');
  if (backstage) {
    check(
      overlay,
      backstage.livenessProbe?.httpGet?.path ===
        '/.backstage/health/v1/liveness',
      'backstage liveness probe on /.backstage/health/v1/liveness',
    );
    check(
      overlay,
      backstage.readinessProbe?.httpGet?.path ===
        '/.backstage/health/v1/readiness',
      'backstage readiness probe on /.backstage/health/v1/readiness',
    );
    check(
      overlay,
      (backstage.ports ?? []).some(p => p.containerPort === 7007),
      'backstage listens on 7007',
    );
  }
  return pod;
}

function matches(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function validateRbac(overlay, objects) {
  const roles = objects.filter(
    o => o.kind === 'Role' || o.kind === 'ClusterRole',
  );
  const clusterRoles = new Map(
    objects
      .filter(o => o.kind === 'ClusterRole')
      .map(o => [o.metadata.name, o]),
  );
  const bindings = objects.filter(
    o => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding',
  );

  for (const role of roles) {
    const wildcard = (role.rules ?? []).some(rule =>
      [
        'verbs',
        'resources',
        'apiGroups',
        'nonResourceURLs',
        'resourceNames',
      ].some(key => (rule[key] ?? []).some(value => value.includes('*'))),
    );
    check(overlay, !wildcard, `${id(role)}: no wildcard`);
    check(overlay, !role.aggregationRule, `${id(role)}: no aggregation rule`);
  }
  check(
    overlay,
    !objects.some(o => o.kind === 'Role'),
    'no namespaced Role (only ClusterRoles, bound where they apply)',
  );

  const writes = role =>
    (role.rules ?? []).some(rule =>
      (rule.verbs ?? []).some(v => !READ_VERBS.has(v)),
    );
  for (const role of clusterRoles.values()) {
    if (!writes(role)) continue;
    const name = role.metadata.name;
    check(
      overlay,
      name === EXECUTE_ROLE || name === NODE_ROLE,
      `${id(role)}: write verbs only in ${EXECUTE_ROLE} or ${NODE_ROLE}`,
    );
  }

  const execute = clusterRoles.get(EXECUTE_ROLE);
  if (execute) {
    for (const rule of execute.rules ?? []) {
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          const allowed = EXECUTE_ALLOWED[`${group}/${resource}`];
          const extra = (rule.verbs ?? []).filter(
            v => !(allowed ?? []).includes(v),
          );
          check(
            overlay,
            !!allowed && extra.length === 0,
            `${EXECUTE_ROLE}: ${group || 'core'}/${resource} ${rule.verbs.join(
              ',',
            )} is a verb the execution layer sends`,
            extra.length ? `unexpected: ${extra.join(',')}` : undefined,
          );
        }
      }
    }
  }
  const nodes = clusterRoles.get(NODE_ROLE);
  if (nodes) {
    const ok = (nodes.rules ?? []).every(
      rule =>
        (rule.apiGroups ?? []).every(g => g === '') &&
        (rule.resources ?? []).every(r => r === 'nodes') &&
        (rule.verbs ?? []).every(v => ['patch', 'update'].includes(v)),
    );
    check(overlay, ok, `${NODE_ROLE}: only patch and update of nodes`);
  }

  for (const binding of bindings) {
    const ref = binding.roleRef ?? {};
    const role = clusterRoles.get(ref.name);
    check(
      overlay,
      ref.kind === 'ClusterRole' && !!role,
      `${id(binding)}: binds a ClusterRole defined here (${ref.name})`,
    );
    check(
      overlay,
      (binding.subjects ?? []).length > 0 &&
        binding.subjects.every(
          s =>
            s.kind === 'ServiceAccount' &&
            s.name === SERVICE_ACCOUNT &&
            s.namespace === NAMESPACE,
        ),
      `${id(
        binding,
      )}: only subject is ServiceAccount ${NAMESPACE}/${SERVICE_ACCOUNT}`,
    );
    if (binding.kind === 'ClusterRoleBinding' && role && writes(role)) {
      check(
        overlay,
        ref.name === NODE_ROLE,
        `${id(binding)}: the only cluster-wide write binding is ${NODE_ROLE}`,
      );
    }
    if (ref.name === EXECUTE_ROLE) {
      check(
        overlay,
        binding.kind === 'RoleBinding' && !!binding.metadata.namespace,
        `${id(binding)}: ${EXECUTE_ROLE} is bound per namespace`,
      );
    }
  }
  return { bindings, clusterRoles };
}

function validate(overlay, file) {
  console.log(`${overlay} (${file})`);
  const objects = load(file);
  const of = kind => objects.filter(o => o.kind === kind);

  const ns = of('Namespace').find(o => o.metadata.name === NAMESPACE);
  check(overlay, !!ns, `Namespace ${NAMESPACE} exists`);
  for (const mode of ['enforce', 'audit', 'warn']) {
    check(
      overlay,
      ns?.metadata.labels?.[`pod-security.kubernetes.io/${mode}`] ===
        'restricted',
      `Namespace ${NAMESPACE}: pod-security.kubernetes.io/${mode}=restricted`,
    );
  }
  for (const o of objects) {
    if (!o.metadata?.namespace || o.kind === 'RoleBinding') continue;
    check(
      overlay,
      o.metadata.namespace === NAMESPACE,
      `${id(o)} is in ${NAMESPACE}`,
    );
  }

  const sa = of('ServiceAccount').find(
    o => o.metadata.name === SERVICE_ACCOUNT,
  );
  check(overlay, !!sa, `ServiceAccount ${SERVICE_ACCOUNT}`);
  const deployment = of('Deployment').find(
    o => o.metadata.name === 'backstage',
  );
  check(overlay, !!deployment, 'Deployment backstage');
  if (!deployment) return;
  const pod = validatePod(overlay, deployment);
  check(
    overlay,
    pod.serviceAccountName === SERVICE_ACCOUNT,
    `pod runs as ServiceAccount ${SERVICE_ACCOUNT}`,
  );
  const podLabels = deployment.spec.template.metadata.labels;

  const service = of('Service').find(o => o.metadata.name === 'backstage');
  check(
    overlay,
    !!service && matches(service.spec.selector, podLabels),
    'Service selects the backstage pods',
  );
  const pdb = of('PodDisruptionBudget')[0];
  check(
    overlay,
    !!pdb && matches(pdb.spec.selector?.matchLabels, podLabels),
    'PodDisruptionBudget selects the backstage pods',
  );
  check(
    overlay,
    !!pdb &&
      (pdb.spec.maxUnavailable !== undefined ||
        (pdb.spec.minAvailable ?? 0) < deployment.spec.replicas),
    'PodDisruptionBudget lets a drain proceed',
  );
  const policy = of('NetworkPolicy')[0];
  check(
    overlay,
    !!policy &&
      matches(policy.spec.podSelector?.matchLabels, podLabels) &&
      ['Ingress', 'Egress'].every(t => policy.spec.policyTypes?.includes(t)),
    'NetworkPolicy selects the pods and restricts ingress and egress',
  );

  const { bindings } = validateRbac(overlay, objects);
  if (overlay === 'demo') {
    check(
      overlay,
      bindings.length === 0 && of('ClusterRole').length === 0,
      'demo grants no RBAC (it watches the sandbox, not the cluster)',
    );
    check(
      overlay,
      pod.automountServiceAccountToken === false,
      'demo mounts no service-account token',
    );
    check(
      overlay,
      deployment.spec.replicas === 1,
      'demo runs one replica (SQLite)',
    );
    check(
      overlay,
      pod.containers.some(c => c.name === 'sandbox'),
      'demo runs the sandbox beside the backend',
    );
  } else {
    check(
      overlay,
      pod.automountServiceAccountToken === true,
      'production mounts the service-account token (in-cluster access)',
    );
    check(
      overlay,
      deployment.spec.replicas >= 2,
      'production runs at least two replicas',
    );
    const backstage = pod.containers.find(c => c.name === 'backstage');
    check(
      overlay,
      (backstage?.envFrom ?? []).some(
        e => e.secretRef?.name === 'backstage-secrets',
      ),
      'production reads its secrets (PostgreSQL) from Secret backstage-secrets',
    );
    check(
      overlay,
      (backstage?.args ?? []).includes('app-config.production.yaml') &&
        !(backstage?.args ?? []).includes('app-config.yaml'),
      'production runs app-config.production.yaml, not the demo config',
    );
    check(
      overlay,
      !pod.containers.some(c => c.name === 'sandbox'),
      'production runs no sandbox',
    );
    check(
      overlay,
      bindings.some(
        b =>
          b.kind === 'ClusterRoleBinding' && b.roleRef.name === 'ai-sre-read',
      ),
      'production binds ai-sre-read cluster-wide',
    );
    const executeNamespaces = bindings
      .filter(b => b.roleRef.name === EXECUTE_ROLE)
      .map(b => b.metadata.namespace);
    console.log(
      `  info  ${overlay}: ${EXECUTE_ROLE} bound in: ${
        executeNamespaces.join(', ') || 'no namespace (read-only)'
      }`,
    );
  }
}

const args = process.argv.slice(2);
if (!args.length) {
  console.error('usage: validate.mjs OVERLAY=FILE...');
  process.exit(2);
}
for (const arg of args) {
  const [overlay, file] = arg.split('=');
  validate(overlay, file);
}

// The production configuration: no sandbox, no guest, PostgreSQL.
const production = readFileSync(
  new URL('../../app-config.production.yaml', import.meta.url),
  'utf8',
);
const active = production
  .split('\n')
  .filter(line => !line.trim().startsWith('#'))
  .join('\n');
check('app-config.production.yaml', /client: pg\b/.test(active), 'PostgreSQL');
check(
  'app-config.production.yaml',
  !/sandbox|127\.0\.0\.1|guest|better-sqlite3/.test(active),
  'no sandbox, guest or SQLite',
);

console.log(
  `\n${checks - failures}/${checks} checks passed${
    failures ? `, ${failures} FAILED` : ''
  }`,
);
process.exit(failures ? 1 : 0);
