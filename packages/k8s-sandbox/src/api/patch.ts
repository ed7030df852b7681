/**
 * The patch flavours the API server accepts: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902) and the strategic merge patch of built-in types.
 */
import { applyPatch, Operation } from 'fast-json-patch';
import { ApiError, badRequest, failureStatus } from './errors';
import { deepClone, isPlainObject } from './util';

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

/** RFC 7386: objects merge recursively, `null` deletes, the rest replaces. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const out: Record<string, unknown> = isPlainObject(target)
    ? { ...target }
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = jsonMergePatch(out[key], value);
  }
  return out;
}

/** RFC 6902 through fast-json-patch; failures are 422 Invalid. */
export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw badRequest(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  }
  for (const op of patch) {
    if (!isPlainObject(op) || typeof op.op !== 'string') {
      throw badRequest('json patch operation is missing "op"');
    }
  }
  try {
    const doc = deepClone(target);
    return applyPatch(doc, patch as Operation[], true, true).newDocument;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : '';
    throw new ApiError(
      failureStatus(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: ${message}`,
      ),
    );
  }
}

/**
 * Merge keys of the lists that strategic merge patch merges rather than
 * replaces, by field name (the built-in types use them consistently).
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  conditions: 'type',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
  addresses: 'type',
  resourceClaims: 'name',
};

/** Lists of scalars merged as sets. */
const MERGE_SCALAR_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') {
    const sample = items.find(isPlainObject);
    if (sample && 'containerPort' in sample) return 'containerPort';
    return 'port';
  }
  const key = MERGE_KEYS[field];
  return key ? key : undefined;
}

function smpObject(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest) as Record<string, unknown>;
  }
  if (patch.$patch === 'delete') return {};
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        out[field] = current.filter(v => !value.includes(v));
      }
      continue;
    }
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      out[key] = smpList(key, out[key], value);
    } else if (isPlainObject(value)) {
      out[key] = smpObject(isPlainObject(out[key]) ? out[key] : {}, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}

function smpList(field: string, target: unknown, patch: unknown[]): unknown[] {
  const current = Array.isArray(target) ? target : [];
  const replace = patch.some(
    p =>
      isPlainObject(p) && p.$patch === 'replace' && Object.keys(p).length === 1,
  );
  if (replace) {
    return patch
      .filter(p => !(isPlainObject(p) && p.$patch === 'replace'))
      .map(stripDirectives);
  }
  if (MERGE_SCALAR_LISTS.has(field)) {
    const out = [...current];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  const key = mergeKeyFor(field, [...patch, ...current]);
  if (!key || !patch.every(isPlainObject)) return patch.map(stripDirectives);
  const out = current.map(v => v);
  for (const item of patch as Record<string, unknown>[]) {
    const id = item[key];
    if (id === undefined) {
      throw badRequest(
        `map: ${JSON.stringify(
          item,
        )} does not contain declared merge key: ${key}`,
      );
    }
    const index = out.findIndex(v => isPlainObject(v) && v[key] === id);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      out[index] = smpObject(out[index] as Record<string, unknown>, item);
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

/**
 * Strategic merge patch: maps merge, `null` deletes, lists with a merge key
 * (containers by `name`, volumeMounts by `mountPath`, conditions by `type`…)
 * merge item by item, other lists replace; honours `$patch: delete|replace`
 * and `$deleteFromPrimitiveList`, ignores `$retainKeys`/`$setElementOrder`.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) {
    throw badRequest('strategic merge patch must be a JSON object');
  }
  return smpObject(isPlainObject(target) ? target : {}, patch);
}

/** Applies a parsed patch body of the given type to a document. */
export function applyPatchOfType(
  type: PatchType,
  target: unknown,
  patch: unknown,
): unknown {
  switch (type) {
    case 'json':
      return jsonPatch(target, patch);
    case 'strategic':
      return strategicMergePatch(target, patch);
    case 'merge':
    case 'apply':
      if (!isPlainObject(patch)) {
        throw badRequest('merge patch must be a JSON object');
      }
      return jsonMergePatch(target, patch);
    default:
      throw badRequest(`unsupported patch type ${String(type)}`);
  }
}
