/** Legacy (non-aggregated) discovery documents, as kubectl reads them. */
import { ResourceRegistry, ResourceType } from './resources';

type Obj = Record<string, unknown>;

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-03-04T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string): Obj {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[], preferred: string): Obj {
  return {
    name,
    versions: versions.map(v => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: {
      groupVersion: `${name}/${preferred}`,
      version: preferred,
    },
  };
}

export function apiGroupList(
  registry: ResourceRegistry,
  served: (t: ResourceType) => boolean,
): Obj {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups(served)
      .map(g => groupDoc(g.name, g.versions, g.preferredVersion)),
  };
}

export function apiGroup(
  registry: ResourceRegistry,
  served: (t: ResourceType) => boolean,
  name: string,
): Obj | undefined {
  const g = registry.groups(served).find(x => x.name === name);
  if (!g) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    ...groupDoc(g.name, g.versions, g.preferredVersion),
  };
}

export function apiResourceList(
  registry: ResourceRegistry,
  served: (t: ResourceType) => boolean,
  group: string,
  version: string,
): Obj | undefined {
  const types = registry.inGroupVersion(group, version).filter(served);
  if (types.length === 0) return undefined;
  const resources: Obj[] = [];
  for (const t of types) {
    const r: Obj = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
    };
    if (t.shortNames.length) r.shortNames = t.shortNames;
    if (t.categories.length) r.categories = t.categories;
    resources.push(r);
    for (const sub of t.subresources) {
      const s: Obj = {
        name: `${t.plural}/${sub.name}`,
        singularName: '',
        namespaced: t.namespaced,
        kind: sub.kind,
        verbs: sub.verbs,
      };
      if (sub.group !== undefined) s.group = sub.group;
      if (sub.version !== undefined) s.version = sub.version;
      resources.push(s);
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
