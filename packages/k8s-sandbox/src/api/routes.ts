/** Parses Kubernetes API paths into the resource request they address. */
import { ApiError, failureStatus } from './errors';
import { ResourceRegistry, ResourceType } from './resources';

export type ApiPath =
  | { kind: 'root'; path: string }
  | { kind: 'groupList' }
  | { kind: 'group'; group: string }
  | { kind: 'coreVersions' }
  | { kind: 'resourceList'; group: string; version: string }
  | ResourceRoute;

export interface ResourceRoute {
  kind: 'resource';
  /** The served type (the URL's group/version). */
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function notFoundPath(): ApiError {
  return new ApiError(
    failureStatus(
      404,
      'NotFound',
      'the server could not find the requested resource',
    ),
  );
}

export function parseApiPath(
  registry: ResourceRegistry,
  pathname: string,
): ApiPath {
  const parts = pathname
    .split('/')
    .filter(p => p.length > 0)
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'coreVersions' };
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'groupList' };
    if (parts.length === 2) return { kind: 'group', group: parts[1] };
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { kind: 'root', path: pathname };
  }
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = registry.lookup(group, version, rest[2]);
    if (type && type.namespaced) {
      if (rest.length > 5) throw notFoundPath();
      return {
        kind: 'resource',
        type,
        namespace: rest[1],
        name: rest[3],
        subresource: rest[4],
      };
    }
  }
  const type = registry.lookup(group, version, rest[0]);
  if (!type || rest.length > 3) throw notFoundPath();
  if (type.namespaced && rest.length > 1) throw notFoundPath();
  return { kind: 'resource', type, name: rest[1], subresource: rest[2] };
}
