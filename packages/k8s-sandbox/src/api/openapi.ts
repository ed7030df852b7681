/**
 * A minimal OpenAPI v3 index. kubectl (`--validate=strict`, the default)
 * asks it whether the server validates fields itself: each item path
 * declares a PATCH with `x-kubernetes-group-version-kind` and a
 * `fieldValidation` parameter, so kubectl skips client-side schema checks.
 * No schemas are served; `kubectl apply` then builds strategic merge
 * patches from its compiled-in types.
 */
import { ResourceRegistry, ResourceType } from './resources';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiV3Root(
  registry: ResourceRegistry,
  served: (t: ResourceType) => boolean,
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const t of registry.all()) {
    if (!served(t) || t.virtual) continue;
    const p = gvPath(t.group, t.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=sandbox` };
  }
  return { paths };
}

export function openApiV3GroupVersion(
  registry: ResourceRegistry,
  served: (t: ResourceType) => boolean,
  path: string,
): Record<string, unknown> | undefined {
  const types = registry
    .all()
    .filter(
      t => served(t) && !t.virtual && gvPath(t.group, t.version) === path,
    );
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const base = `/${path}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${
      t.plural
    }/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
          { name: 'dryRun', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': {
          group: t.group,
          version: t.version,
          kind: t.kind,
        },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-sandbox' },
    paths,
    components: { schemas: {} },
  };
}
