/**
 * RBAC authorisation over the Role/ClusterRole/RoleBinding/
 * ClusterRoleBinding objects in the store, and bearer-token identities.
 */
import { randomBytes } from 'node:crypto';
import { forbidden, ApiError } from './errors';
import { ObjectStore } from './store';
import { KubeObject, UserInfo } from './types';

export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  apiGroup: string;
  /** Resource plural, e.g. `pods`; empty for non-resource requests. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** For non-resource requests, e.g. `/metrics`. */
  path?: string;
}

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

const ADMIN_GROUPS = ['system:masters', 'system:authenticated'];

/** Maps bearer tokens to users: the admin token and service accounts. */
export class TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();

  constructor(readonly adminToken: string) {
    this.tokens.set(adminToken, {
      username: 'system:admin',
      groups: ADMIN_GROUPS,
    });
  }

  /** An opaque token that authenticates as `system:serviceaccount:ns:name`. */
  issueServiceAccountToken(namespace: string, name: string): string {
    const token = `sa-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, serviceAccountUser(namespace, name));
    return token;
  }

  /** Registers a fixed token for a user (tests, static kubeconfigs). */
  addToken(token: string, user: UserInfo): void {
    this.tokens.set(token, user);
  }

  authenticate(authorization: string | undefined): UserInfo | undefined {
    if (!authorization) return undefined;
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    return m ? this.tokens.get(m[1].trim()) : undefined;
  }

  isAdmin(user: UserInfo): boolean {
    return user.groups.includes('system:masters');
  }
}

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: [
      'system:serviceaccounts',
      `system:serviceaccounts:${namespace}`,
      'system:authenticated',
    ],
  };
}

function subjectMatches(
  s: Subject,
  user: UserInfo,
  bindingNamespace?: string,
): boolean {
  if (!s || typeof s !== 'object') return false;
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace ?? bindingNamespace;
    return user.username === `system:serviceaccount:${ns}:${s.name}`;
  }
  if (s.kind === 'User') return user.username === s.name;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  return false;
}

function has(list: string[] | undefined, value: string): boolean {
  return !!list && (list.includes('*') || list.includes(value));
}

function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resource) {
    return (rule.nonResourceURLs ?? []).some(u =>
      u.endsWith('*') ? a.path?.startsWith(u.slice(0, -1)) : u === a.path,
    );
  }
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resourceOk =
    resources.includes('*') ||
    resources.includes(full) ||
    (!!a.subresource && resources.includes(`*/${a.subresource}`));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return !!a.name && names.includes(a.name);
}

function rulesOf(role: KubeObject | undefined): PolicyRule[] {
  const rules = role?.rules;
  return Array.isArray(rules) ? (rules as PolicyRule[]) : [];
}

/** Evaluates RBAC for a request; true when some bound rule allows it. */
export function rbacAllows(store: ObjectStore, a: RequestAttributes): boolean {
  const clusterRole = (name: string) =>
    store.tryGet('rbac.authorization.k8s.io/clusterroles', undefined, name);
  const bindings = store.list('rbac.authorization.k8s.io/clusterrolebindings');
  for (const b of bindings.items) {
    const subjects = (b.subjects as Subject[] | undefined) ?? [];
    if (!subjects.some(s => subjectMatches(s, a.user))) continue;
    const ref = b.roleRef as { kind?: string; name?: string } | undefined;
    if (ref?.kind !== 'ClusterRole' || !ref.name) continue;
    if (rulesOf(clusterRole(ref.name)).some(r => ruleAllows(r, a))) {
      return true;
    }
  }
  if (!a.namespace) return false;
  const roleBindings = store.list('rbac.authorization.k8s.io/rolebindings', {
    namespace: a.namespace,
  });
  for (const b of roleBindings.items) {
    const subjects = (b.subjects as Subject[] | undefined) ?? [];
    if (!subjects.some(s => subjectMatches(s, a.user, a.namespace))) continue;
    const ref = b.roleRef as { kind?: string; name?: string } | undefined;
    if (!ref?.name) continue;
    const role =
      ref.kind === 'ClusterRole'
        ? clusterRole(ref.name)
        : store.tryGet(
            'rbac.authorization.k8s.io/roles',
            a.namespace,
            ref.name,
          );
    if (rulesOf(role).some(r => ruleAllows(r, a))) return true;
  }
  return false;
}

/** The 403 the real API server answers, with its message shape. */
export function forbiddenError(a: RequestAttributes): ApiError {
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!a.resource) {
    return forbidden(
      `forbidden: User "${a.user.username}" cannot ${a.verb} path "${a.path}"`,
      { group: '', resource: '' },
    );
  }
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const scope = a.namespace
    ? `in the namespace "${a.namespace}"`
    : 'at the cluster scope';
  return forbidden(
    `${subject} is forbidden: User "${a.user.username}" cannot ${a.verb} resource "${full}" in API group "${a.apiGroup}" ${scope}`,
    { group: a.apiGroup, resource: a.resource, name: a.name },
  );
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/**
 * The bootstrap ClusterRoles of a real cluster, simplified: `cluster-admin`,
 * `admin`, `edit` and `view`. Create them when scenarios bind to them.
 */
export function defaultClusterRoles(): KubeObject[] {
  const role = (name: string, rules: PolicyRule[]): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    },
    rules: rules as unknown as KubeObject[],
  });
  const viewGroups = [
    '',
    'apps',
    'batch',
    'autoscaling',
    'policy',
    'networking.k8s.io',
    'events.k8s.io',
    'discovery.k8s.io',
    'metrics.k8s.io',
  ];
  const viewResources = [
    'pods',
    'pods/log',
    'pods/status',
    'services',
    'endpoints',
    'endpointslices',
    'configmaps',
    'events',
    'serviceaccounts',
    'persistentvolumeclaims',
    'resourcequotas',
    'limitranges',
    'namespaces',
    'deployments',
    'deployments/scale',
    'deployments/status',
    'replicasets',
    'replicasets/scale',
    'replicasets/status',
    'statefulsets',
    'statefulsets/scale',
    'statefulsets/status',
    'daemonsets',
    'daemonsets/status',
    'controllerrevisions',
    'jobs',
    'jobs/status',
    'cronjobs',
    'cronjobs/status',
    'horizontalpodautoscalers',
    'horizontalpodautoscalers/status',
    'poddisruptionbudgets',
    'poddisruptionbudgets/status',
    'networkpolicies',
  ];
  const editResources = [...viewResources, 'secrets', 'pods/eviction'];
  return [
    role('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    role('admin', [
      {
        apiGroups: [...viewGroups, 'rbac.authorization.k8s.io'],
        resources: [...editResources, 'roles', 'rolebindings'],
        verbs: [...READ, ...WRITE],
      },
    ]),
    role('edit', [
      {
        apiGroups: viewGroups,
        resources: editResources,
        verbs: [...READ, ...WRITE],
      },
    ]),
    role('view', [
      { apiGroups: viewGroups, resources: viewResources, verbs: READ },
    ]),
  ];
}
