/**
 * The registry of resource types the sandbox serves: what discovery lists,
 * what routes resolve to and how objects map to storage.
 */

export interface SubresourceType {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  verbs: string[];
  subresources: SubresourceType[];
  categories: string[];
  /** Storage key shared by every version of the resource (`apps/deployments`). */
  storage: string;
  /** Served from a provider instead of the store (`metrics`, `review`). */
  virtual?: 'metrics' | 'review';
  /** Registered at run time for a kind the registry did not know. */
  dynamic?: boolean;
}

export const STANDARD_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

export function apiVersionOf(t: { group: string; version: string }): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

export function parseApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const i = apiVersion.lastIndexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function storageKey(group: string, plural: string): string {
  return group ? `${group}/${plural}` : plural;
}

interface Def {
  kind: string;
  plural?: string;
  shortNames?: string[];
  namespaced?: boolean;
  verbs?: string[];
  sub?: SubresourceType[];
  categories?: string[];
  storage?: string;
  virtual?: 'metrics' | 'review';
}

const STATUS = (kind: string): SubresourceType => ({
  name: 'status',
  kind,
  verbs: ['get', 'patch', 'update'],
});
const SCALE: SubresourceType = {
  name: 'scale',
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: ['get', 'patch', 'update'],
};
const ALL = ['all'];

const BUILTIN: Record<string, Def[]> = {
  v1: [
    {
      kind: 'Namespace',
      shortNames: ['ns'],
      namespaced: false,
      sub: [STATUS('Namespace')],
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    },
    {
      kind: 'Node',
      shortNames: ['no'],
      namespaced: false,
      sub: [STATUS('Node')],
    },
    {
      kind: 'Pod',
      shortNames: ['po'],
      categories: ALL,
      sub: [
        STATUS('Pod'),
        { name: 'log', kind: 'Pod', verbs: ['get'] },
        {
          name: 'eviction',
          kind: 'Eviction',
          group: 'policy',
          version: 'v1',
          verbs: ['create'],
        },
      ],
    },
    {
      kind: 'Service',
      shortNames: ['svc'],
      categories: ALL,
      sub: [STATUS('Service')],
      verbs: [
        'create',
        'delete',
        'deletecollection',
        'get',
        'list',
        'patch',
        'update',
        'watch',
      ],
    },
    { kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] },
    { kind: 'ConfigMap', shortNames: ['cm'] },
    { kind: 'Secret' },
    { kind: 'Event', shortNames: ['ev'] },
    { kind: 'ServiceAccount', shortNames: ['sa'] },
    {
      kind: 'PersistentVolumeClaim',
      shortNames: ['pvc'],
      sub: [STATUS('PersistentVolumeClaim')],
    },
    {
      kind: 'PersistentVolume',
      shortNames: ['pv'],
      namespaced: false,
      sub: [STATUS('PersistentVolume')],
    },
    {
      kind: 'ResourceQuota',
      shortNames: ['quota'],
      sub: [STATUS('ResourceQuota')],
    },
    { kind: 'LimitRange', shortNames: ['limits'] },
  ],
  'apps/v1': [
    {
      kind: 'Deployment',
      shortNames: ['deploy'],
      categories: ALL,
      sub: [STATUS('Deployment'), SCALE],
    },
    {
      kind: 'ReplicaSet',
      shortNames: ['rs'],
      categories: ALL,
      sub: [STATUS('ReplicaSet'), SCALE],
    },
    {
      kind: 'StatefulSet',
      shortNames: ['sts'],
      categories: ALL,
      sub: [STATUS('StatefulSet'), SCALE],
    },
    {
      kind: 'DaemonSet',
      shortNames: ['ds'],
      categories: ALL,
      sub: [STATUS('DaemonSet')],
    },
    { kind: 'ControllerRevision' },
  ],
  'batch/v1': [
    { kind: 'Job', categories: ALL, sub: [STATUS('Job')] },
    {
      kind: 'CronJob',
      shortNames: ['cj'],
      categories: ALL,
      sub: [STATUS('CronJob')],
    },
  ],
  'autoscaling/v2': [
    {
      kind: 'HorizontalPodAutoscaler',
      shortNames: ['hpa'],
      categories: ALL,
      sub: [STATUS('HorizontalPodAutoscaler')],
    },
  ],
  'autoscaling/v1': [
    {
      kind: 'HorizontalPodAutoscaler',
      shortNames: ['hpa'],
      categories: ALL,
      sub: [STATUS('HorizontalPodAutoscaler')],
    },
  ],
  'policy/v1': [
    {
      kind: 'PodDisruptionBudget',
      shortNames: ['pdb'],
      sub: [STATUS('PodDisruptionBudget')],
    },
  ],
  'networking.k8s.io/v1': [
    { kind: 'NetworkPolicy', shortNames: ['netpol'] },
    // Stored and served (the Kubernetes plugin lists them); no controller.
    { kind: 'Ingress', shortNames: ['ing'], sub: [STATUS('Ingress')] },
    { kind: 'IngressClass', namespaced: false },
  ],
  'scheduling.k8s.io/v1': [
    { kind: 'PriorityClass', shortNames: ['pc'], namespaced: false },
  ],
  'storage.k8s.io/v1': [
    { kind: 'StorageClass', shortNames: ['sc'], namespaced: false },
  ],
  'rbac.authorization.k8s.io/v1': [
    { kind: 'Role' },
    { kind: 'ClusterRole', namespaced: false },
    { kind: 'RoleBinding' },
    { kind: 'ClusterRoleBinding', namespaced: false },
  ],
  'events.k8s.io/v1': [
    { kind: 'Event', shortNames: ['ev'], storage: 'events' },
  ],
  'coordination.k8s.io/v1': [{ kind: 'Lease' }],
  'discovery.k8s.io/v1': [{ kind: 'EndpointSlice' }],
  'metrics.k8s.io/v1beta1': [
    {
      kind: 'PodMetrics',
      plural: 'pods',
      verbs: ['get', 'list'],
      virtual: 'metrics',
    },
    {
      kind: 'NodeMetrics',
      plural: 'nodes',
      namespaced: false,
      verbs: ['get', 'list'],
      virtual: 'metrics',
    },
  ],
  'authorization.k8s.io/v1': [
    {
      kind: 'SelfSubjectAccessReview',
      namespaced: false,
      verbs: ['create'],
      virtual: 'review',
    },
  ],
};

/** Group versions in the order discovery lists them; first is preferred. */
const VERSION_ORDER: Record<string, string[]> = {
  autoscaling: ['v2', 'v1'],
};

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('y') && !/[aeiou]y$/.test(lower)) {
    return `${lower.slice(0, -1)}ies`;
  }
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

export interface GroupInfo {
  name: string;
  versions: string[];
  preferredVersion: string;
}

export class ResourceRegistry {
  private readonly types: ResourceType[] = [];
  private readonly byGvr = new Map<string, ResourceType>();
  private readonly byGvk = new Map<string, ResourceType>();
  private readonly byStorageKey = new Map<string, ResourceType>();
  private readonly listeners = new Set<(t: ResourceType) => void>();

  constructor() {
    for (const [apiVersion, defs] of Object.entries(BUILTIN)) {
      const { group, version } = parseApiVersion(apiVersion);
      for (const def of defs) this.add(this.fromDef(group, version, def));
    }
  }

  private fromDef(group: string, version: string, def: Def): ResourceType {
    const plural = def.plural ?? pluralOf(def.kind);
    return {
      group,
      version,
      kind: def.kind,
      plural,
      singular: def.kind.toLowerCase(),
      shortNames: def.shortNames ?? [],
      namespaced: def.namespaced ?? true,
      verbs: def.verbs ?? STANDARD_VERBS,
      subresources: def.sub ?? [],
      categories: def.categories ?? [],
      storage: def.storage ?? storageKey(group, plural),
      virtual: def.virtual,
    };
  }

  private add(t: ResourceType): void {
    this.types.push(t);
    this.byGvr.set(`${t.group}/${t.version}/${t.plural}`, t);
    this.byGvk.set(`${t.group}/${t.version}/${t.kind}`, t);
    const existing = this.byStorageKey.get(t.storage);
    // The storage representative is the first registered (preferred) version
    // whose own group owns the storage.
    if (!existing && storageKey(t.group, t.plural) === t.storage) {
      this.byStorageKey.set(t.storage, t);
    }
    for (const l of this.listeners) l(t);
  }

  /** Called whenever a type is registered at run time. */
  onRegister(listener: (t: ResourceType) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  lookup(
    group: string,
    version: string,
    plural: string,
  ): ResourceType | undefined {
    return this.byGvr.get(`${group}/${version}/${plural}`);
  }

  lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    return this.byGvk.get(`${group}/${version}/${kind}`);
  }

  /** The storage (canonical) type of a storage key such as `apps/deployments`. */
  storageType(key: string): ResourceType | undefined {
    return this.byStorageKey.get(key);
  }

  /**
   * Finds a type by storage key (`pods`, `apps/deployments`), by
   * `plural.group`, by kind (`Deployment`) or by short name (`deploy`).
   */
  resolve(ref: string): ResourceType | undefined {
    const direct = this.byStorageKey.get(ref);
    if (direct) return direct;
    const dot = ref.indexOf('.');
    if (dot > 0) {
      const found = this.byStorageKey.get(
        storageKey(ref.slice(dot + 1), ref.slice(0, dot)),
      );
      if (found) return found;
    }
    const lower = ref.toLowerCase();
    for (const key of this.byStorageKey.keys()) {
      const t = this.byStorageKey.get(key)!;
      if (t.virtual) continue;
      if (
        t.kind === ref ||
        t.plural === lower ||
        t.singular === lower ||
        t.shortNames.includes(lower)
      ) {
        return t;
      }
    }
    return undefined;
  }

  /**
   * The type for an object's apiVersion/kind; unknown kinds are registered
   * (plural = lowercase kind + 's'; namespaced when `namespaced` says so).
   */
  forKind(apiVersion: string, kind: string, namespaced = true): ResourceType {
    const known = this.lookupKind(apiVersion, kind);
    if (known) return known;
    const { group, version } = parseApiVersion(apiVersion);
    const plural = `${kind.toLowerCase()}s`;
    const t: ResourceType = {
      group,
      version,
      kind,
      plural,
      singular: kind.toLowerCase(),
      shortNames: [],
      namespaced,
      verbs: STANDARD_VERBS,
      subresources: [],
      categories: [],
      storage: storageKey(group, plural),
      dynamic: true,
    };
    this.add(t);
    return t;
  }

  /** API groups (excluding the core group) with their served versions. */
  groups(filter?: (t: ResourceType) => boolean): GroupInfo[] {
    const map = new Map<string, string[]>();
    for (const t of this.types) {
      if (!t.group || (filter && !filter(t))) continue;
      const versions = map.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      map.set(t.group, versions);
    }
    return [...map.entries()].map(([name, versions]) => {
      const order = VERSION_ORDER[name];
      if (order) {
        versions.sort((a, b) => order.indexOf(a) - order.indexOf(b));
      }
      return { name, versions, preferredVersion: versions[0] };
    });
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter(t => t.group === group && t.version === version);
  }
}
