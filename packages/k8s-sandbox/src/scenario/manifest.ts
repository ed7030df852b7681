import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatPath, type PathSegment } from './errors';
import { describeValue } from './units';

/** A Kubernetes object as written in a manifest. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A problem with a manifest, in terms the API server can reuse. */
export interface ValidationIssue {
  /** Full path: the prefix given to validateManifest, then `field`. */
  path: string;
  /** Path inside the object, Kubernetes style: `spec.template.spec.containers[0].image`. */
  field: string;
  /** `field` as segments. */
  segments: PathSegment[];
  kind:
    | 'unknown-field'
    | 'required'
    | 'invalid-type'
    | 'invalid-value'
    | 'not-supported';
  /** What is wrong and what was expected. */
  message: string;
}

/** The Kubernetes `Status` cause type for an issue. */
export function causeType(issue: ValidationIssue): string {
  switch (issue.kind) {
    case 'required':
      return 'FieldValueRequired';
    case 'invalid-type':
      return 'FieldValueTypeInvalid';
    case 'not-supported':
      return 'FieldValueNotSupported';
    case 'unknown-field':
    case 'invalid-value':
    default:
      return 'FieldValueInvalid';
  }
}

/** Schema module (in `kubernetes-models/_schemas`) per kind and apiVersion. */
const SCHEMAS: Record<string, Record<string, string>> = {
  Namespace: { v1: 'IoK8sApiCoreV1Namespace' },
  ConfigMap: { v1: 'IoK8sApiCoreV1ConfigMap' },
  Secret: { v1: 'IoK8sApiCoreV1Secret' },
  Service: { v1: 'IoK8sApiCoreV1Service' },
  Pod: { v1: 'IoK8sApiCoreV1Pod' },
  Node: { v1: 'IoK8sApiCoreV1Node' },
  ServiceAccount: { v1: 'IoK8sApiCoreV1ServiceAccount' },
  PersistentVolumeClaim: { v1: 'IoK8sApiCoreV1PersistentVolumeClaim' },
  ResourceQuota: { v1: 'IoK8sApiCoreV1ResourceQuota' },
  LimitRange: { v1: 'IoK8sApiCoreV1LimitRange' },
  Deployment: { 'apps/v1': 'IoK8sApiAppsV1Deployment' },
  StatefulSet: { 'apps/v1': 'IoK8sApiAppsV1StatefulSet' },
  DaemonSet: { 'apps/v1': 'IoK8sApiAppsV1DaemonSet' },
  ReplicaSet: { 'apps/v1': 'IoK8sApiAppsV1ReplicaSet' },
  Job: { 'batch/v1': 'IoK8sApiBatchV1Job' },
  CronJob: { 'batch/v1': 'IoK8sApiBatchV1CronJob' },
  HorizontalPodAutoscaler: {
    'autoscaling/v2': 'IoK8sApiAutoscalingV2HorizontalPodAutoscaler',
    'autoscaling/v1': 'IoK8sApiAutoscalingV1HorizontalPodAutoscaler',
  },
  PodDisruptionBudget: { 'policy/v1': 'IoK8sApiPolicyV1PodDisruptionBudget' },
  NetworkPolicy: {
    'networking.k8s.io/v1': 'IoK8sApiNetworkingV1NetworkPolicy',
  },
  PriorityClass: {
    'scheduling.k8s.io/v1': 'IoK8sApiSchedulingV1PriorityClass',
  },
  StorageClass: { 'storage.k8s.io/v1': 'IoK8sApiStorageV1StorageClass' },
  Role: { 'rbac.authorization.k8s.io/v1': 'IoK8sApiRbacV1Role' },
  ClusterRole: { 'rbac.authorization.k8s.io/v1': 'IoK8sApiRbacV1ClusterRole' },
  RoleBinding: { 'rbac.authorization.k8s.io/v1': 'IoK8sApiRbacV1RoleBinding' },
  ClusterRoleBinding: {
    'rbac.authorization.k8s.io/v1': 'IoK8sApiRbacV1ClusterRoleBinding',
  },
};

/** Kinds validated against their OpenAPI schema; others are stored verbatim. */
export const VALIDATED_KINDS: readonly string[] = Object.keys(SCHEMAS);

/** The apiVersions accepted for a validated kind (undefined for others). */
export function supportedApiVersions(kind: string): string[] | undefined {
  const versions = SCHEMAS[kind];
  return versions ? Object.keys(versions) : undefined;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

interface ValidateFn {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

let modelsDir: string | undefined;
let nativeRequire: NodeJS.Require | undefined;
const validators = new Map<string, ValidateFn>();

function findModelsDir(): { dir: string; req: NodeJS.Require } {
  if (!modelsDir || !nativeRequire) {
    // process.getBuiltinModule is not intercepted by Jest's module registry.
    const moduleBuiltin = process.getBuiltinModule('node:module');
    const base =
      typeof __filename === 'string'
        ? __filename
        : path.join(process.cwd(), 'index.js');
    const req = moduleBuiltin.createRequire(base);
    const candidates = req.resolve.paths('kubernetes-models') ?? [];
    const dir = candidates
      .map(p => path.join(p, 'kubernetes-models'))
      .find(p => fs.existsSync(path.join(p, '_schemas')));
    if (!dir) {
      throw new Error(
        'Cannot validate manifests: the kubernetes-models package is not installed',
      );
    }
    modelsDir = dir;
    nativeRequire = req;
  }
  return { dir: modelsDir, req: nativeRequire };
}

function validateExport(mod: unknown, schema: string): ValidateFn {
  const fn = (mod as { validate?: ValidateFn } | null)?.validate;
  if (typeof fn !== 'function') {
    throw new Error(`kubernetes-models/_schemas/${schema} has no validate()`);
  }
  return fn;
}

/**
 * `kubernetes-models` ships ES modules only, with `import`-only exports,
 * which neither CommonJS `require` nor Jest's module registry can resolve
 * by package name. Node 22 can `require()` an ES module by absolute path
 * and then resolves its imports as ESM, so we load the schema files that
 * way, through Node's own loader. Runtimes whose require hooks compile ESM
 * to CommonJS (tsx) break this; there, call
 * {@link preloadManifestValidators} once before validating.
 */
function loadValidator(schema: string): ValidateFn {
  const cached = validators.get(schema);
  if (cached) {
    return cached;
  }
  const { dir, req } = findModelsDir();
  let mod: unknown;
  try {
    mod = req(path.join(dir, '_schemas', `${schema}.js`));
  } catch (error) {
    throw new Error(
      `Cannot load the ${schema} schema synchronously in this runtime ` +
        `(${(error as Error).message.split('\n')[0]}). ` +
        'Call `await preloadManifestValidators()` once before validating manifests.',
    );
  }
  const fn = validateExport(mod, schema);
  validators.set(schema, fn);
  return fn;
}

/**
 * Loads every manifest schema, with a dynamic `import()` where the
 * synchronous loading fails (tsx). Harmless elsewhere (Jest, plain Node),
 * where the synchronous path is taken and no `import()` is made.
 */
export async function preloadManifestValidators(): Promise<void> {
  const { dir } = findModelsDir();
  const schemas = new Set(Object.values(SCHEMAS).flatMap(Object.values));
  await Promise.all(
    [...schemas].map(async schema => {
      if (validators.has(schema)) {
        return;
      }
      try {
        loadValidator(schema);
        return;
      } catch {
        // This runtime cannot require ES modules: import it instead.
      }
      const url = pathToFileURL(path.join(dir, '_schemas', `${schema}.js`));
      const mod: unknown = await import(url.href);
      validators.set(schema, validateExport(mod, schema));
    }),
  );
}

type Json = Record<string, unknown>;

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface AccessRecord {
  accessed: Set<string>;
  enumerated: boolean;
}

/**
 * Wraps `value` so that every property the validator looks at is recorded.
 * The generated validators probe each property their schema declares, and
 * enumerate the keys of free-form maps (labels, resources). An own key that
 * was never probed is therefore unknown to the schema.
 */
function track(
  value: unknown,
  key: string,
  records: Map<string, AccessRecord>,
): unknown {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const record: AccessRecord = { accessed: new Set(), enumerated: false };
  records.set(key, record);
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, prop, receiver) {
      const child = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string') {
        return child;
      }
      record.accessed.add(prop);
      if (
        typeof child !== 'object' ||
        child === null ||
        !Object.prototype.hasOwnProperty.call(target, prop)
      ) {
        return child;
      }
      if (!children.has(prop)) {
        children.set(prop, track(child, `${key}\u0000${prop}`, records));
      }
      return children.get(prop);
    },
    has(target, prop) {
      if (typeof prop === 'string') {
        record.accessed.add(prop);
      }
      return Reflect.has(target, prop);
    },
    getOwnPropertyDescriptor(target, prop) {
      if (typeof prop === 'string') {
        record.accessed.add(prop);
      }
      return Reflect.getOwnPropertyDescriptor(target, prop);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(
  value: unknown,
  key: string,
  segments: PathSegment[],
  records: Map<string, AccessRecord>,
  out: PathSegment[][],
): void {
  const record = records.get(key);
  if (!record || typeof value !== 'object' || value === null) {
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) =>
      unknownFields(item, `${key}\u0000${i}`, [...segments, i], records, out),
    );
    return;
  }
  // A map whose keys were enumerated is free-form (labels, resources); a
  // map that was never probed has no schema (RawExtension, FieldsV1).
  const checkKeys = !record.enumerated && record.accessed.size > 0;
  for (const [k, child] of Object.entries(value)) {
    if (checkKeys && !record.accessed.has(k)) {
      out.push([...segments, k]);
    } else {
      unknownFields(child, `${key}\u0000${k}`, [...segments, k], records, out);
    }
  }
}

function pointerToSegments(pointer: string, root: unknown): PathSegment[] {
  if (!pointer) {
    return [];
  }
  const segments: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(part)) {
      segments.push(Number(part));
      node = node[Number(part)];
    } else {
      segments.push(part);
      node = isMap(node) ? node[part] : undefined;
    }
  }
  return segments;
}

function valueAt(root: unknown, segments: PathSegment[]): unknown {
  let node: unknown = root;
  for (const s of segments) {
    if (Array.isArray(node) && typeof s === 'number') {
      node = node[s];
    } else if (isMap(node)) {
      node = node[String(s)];
    } else {
      return undefined;
    }
  }
  return node;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'a map',
  array: 'a list',
};

const FORMAT_NAMES: Record<string, string> = {
  quantity: 'a Kubernetes quantity like 250m or 512Mi',
  int32: 'a 32-bit integer',
  int64: 'a 64-bit integer',
  byte: 'base64-encoded data',
  'date-time': 'an RFC 3339 date-time',
};

interface Draft {
  segments: PathSegment[];
  kind: ValidationIssue['kind'];
  message: string;
}

function convertAjvErrors(errors: AjvError[], root: unknown): Draft[] {
  // Group by location so that oneOf alternatives (IntOrString, Quantity)
  // give one message.
  const byPath = new Map<string, AjvError[]>();
  for (const error of errors) {
    const list = byPath.get(error.instancePath) ?? [];
    list.push(error);
    byPath.set(error.instancePath, list);
  }
  const drafts: Draft[] = [];
  for (const [pointer, list] of byPath) {
    const segments = pointerToSegments(pointer, root);
    const value = valueAt(root, segments);
    const got = `got ${describeValue(value)}`;
    const types = [
      ...new Set(
        list.filter(e => e.keyword === 'type').map(e => String(e.params.type)),
      ),
    ];
    const formats = list
      .filter(e => e.keyword === 'format')
      .map(e => String(e.params.format));
    const hasAlternatives = list.some(
      e => e.keyword === 'oneOf' || e.keyword === 'anyOf',
    );
    if (formats.includes('quantity')) {
      drafts.push({
        segments,
        kind: 'invalid-value',
        message: `expected ${FORMAT_NAMES.quantity}, ${got}`,
      });
      continue;
    }
    if (types.length > 0) {
      const names = types.map(t => TYPE_NAMES[t] ?? t);
      drafts.push({
        segments,
        kind: 'invalid-type',
        message: `expected ${names.join(' or ')}, ${got}`,
      });
      continue;
    }
    for (const error of list) {
      const p = error.params;
      switch (error.keyword) {
        case 'required':
          drafts.push({
            segments: [...segments, String(p.missingProperty)],
            kind: 'required',
            message: 'required field is missing',
          });
          break;
        case 'enum':
          drafts.push({
            segments,
            kind: 'not-supported',
            message: `expected one of ${(p.allowedValues as unknown[])
              .map(v => JSON.stringify(v))
              .join(', ')}, ${got}`,
          });
          break;
        case 'format':
          drafts.push({
            segments,
            kind: 'invalid-value',
            message: `expected ${
              FORMAT_NAMES[String(p.format)] ??
              `a value of format ${String(p.format)}`
            }, ${got}`,
          });
          break;
        case 'oneOf':
        case 'anyOf':
          if (!hasAlternatives || list.length === 1) {
            drafts.push({
              segments,
              kind: 'invalid-value',
              message: `does not match any allowed form, ${got}`,
            });
          }
          break;
        default:
          drafts.push({
            segments,
            kind: 'invalid-value',
            message: `invalid value (${error.keyword} ${JSON.stringify(
              p,
            )}), ${got}`,
          });
      }
    }
  }
  return drafts;
}

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const API_VERSION = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+[a-z0-9]*$/;
const KIND_NAME = /^[A-Z][A-Za-z0-9]*$/;
const LABEL_NAME_KINDS = new Set(['Namespace', 'Service']);
const RBAC_KINDS = new Set([
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
]);

function checkMetadata(obj: Json, kind: unknown, drafts: Draft[]): void {
  const metadata = obj.metadata;
  if (metadata === undefined) {
    drafts.push({
      segments: ['metadata'],
      kind: 'required',
      message: 'required field is missing (expected a map with a name)',
    });
    return;
  }
  if (!isMap(metadata)) {
    return; // reported as a type error by the schema or below
  }
  const name = metadata.name;
  if (name === undefined) {
    if (metadata.generateName === undefined) {
      drafts.push({
        segments: ['metadata', 'name'],
        kind: 'required',
        message: 'required field is missing',
      });
    }
  } else if (typeof name !== 'string') {
    drafts.push({
      segments: ['metadata', 'name'],
      kind: 'invalid-type',
      message: `expected a string, got ${describeValue(name)}`,
    });
  } else if (typeof kind === 'string' && RBAC_KINDS.has(kind)) {
    if (
      name.length === 0 ||
      /[/%]/.test(name) ||
      name === '.' ||
      name === '..'
    ) {
      drafts.push({
        segments: ['metadata', 'name'],
        kind: 'invalid-value',
        message: `expected a name without "/" or "%", got ${describeValue(
          name,
        )}`,
      });
    }
  } else if (typeof kind === 'string' && LABEL_NAME_KINDS.has(kind)) {
    if (!DNS_LABEL.test(name) || name.length > 63) {
      drafts.push({
        segments: ['metadata', 'name'],
        kind: 'invalid-value',
        message: `expected a DNS label (lower-case letters, digits and "-", at most 63 characters), got ${describeValue(
          name,
        )}`,
      });
    }
  } else if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    drafts.push({
      segments: ['metadata', 'name'],
      kind: 'invalid-value',
      message: `expected a DNS subdomain name (lower-case letters, digits, "-" and "."), got ${describeValue(
        name,
      )}`,
    });
  }
  const namespace = metadata.namespace;
  if (
    namespace !== undefined &&
    (typeof namespace !== 'string' || !DNS_LABEL.test(namespace))
  ) {
    drafts.push({
      segments: ['metadata', 'namespace'],
      kind: typeof namespace === 'string' ? 'invalid-value' : 'invalid-type',
      message: `expected a namespace name (a DNS label), got ${describeValue(
        namespace,
      )}`,
    });
  }
}

const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const SELECTOR_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
]);

/** Checks the API server makes beyond the OpenAPI schema. */
function checkSemantics(obj: Json, kind: string, drafts: Draft[]): void {
  const podSpecPath = POD_SPEC_PATHS[kind];
  if (podSpecPath) {
    const podSpec = valueAt(obj, podSpecPath);
    if (isMap(podSpec)) {
      const containers = podSpec.containers;
      if (Array.isArray(containers) && containers.length === 0) {
        drafts.push({
          segments: [...podSpecPath, 'containers'],
          kind: 'required',
          message: 'expected at least one container',
        });
      }
      for (const list of ['containers', 'initContainers'] as const) {
        const items = podSpec[list];
        if (!Array.isArray(items)) {
          continue;
        }
        items.forEach((container, i) => {
          if (isMap(container) && container.image === undefined) {
            drafts.push({
              segments: [...podSpecPath, list, i, 'image'],
              kind: 'required',
              message: 'required field is missing',
            });
          }
        });
      }
    }
  }
  if (SELECTOR_KINDS.has(kind)) {
    const matchLabels = valueAt(obj, ['spec', 'selector', 'matchLabels']);
    const labels = valueAt(obj, ['spec', 'template', 'metadata', 'labels']);
    if (isMap(matchLabels) && isMap(valueAt(obj, ['spec', 'template']))) {
      const mismatch = Object.entries(matchLabels).some(
        ([k, v]) => !isMap(labels) || labels[k] !== v,
      );
      if (mismatch) {
        drafts.push({
          segments: ['spec', 'template', 'metadata', 'labels'],
          kind: 'invalid-value',
          message: `expected labels matching spec.selector.matchLabels (${Object.entries(
            matchLabels,
          )
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(', ')})`,
        });
      }
    }
  }
}

/**
 * Validates a manifest as the API server would: apiVersion, kind and
 * metadata.name for every object, and for the kinds in
 * {@link VALIDATED_KINDS} the OpenAPI schema of its apiVersion with unknown
 * fields rejected. Objects of other kinds are accepted as they are.
 *
 * `prefix` is prepended to each issue's `path` (a string such as
 * `cluster.objects[3]`, or path segments).
 */
export function validateManifest(
  obj: unknown,
  prefix: string | readonly PathSegment[] = [],
): ValidationIssue[] {
  const drafts: Draft[] = [];
  if (!isMap(obj)) {
    drafts.push({
      segments: [],
      kind: 'invalid-type',
      message: `expected a Kubernetes object (a map with apiVersion, kind and metadata), got ${describeValue(
        obj,
      )}`,
    });
  } else {
    const { apiVersion, kind } = obj;
    if (apiVersion === undefined) {
      drafts.push({
        segments: ['apiVersion'],
        kind: 'required',
        message: 'required field is missing',
      });
    } else if (
      typeof apiVersion !== 'string' ||
      !API_VERSION.test(apiVersion)
    ) {
      drafts.push({
        segments: ['apiVersion'],
        kind: typeof apiVersion === 'string' ? 'invalid-value' : 'invalid-type',
        message: `expected an apiVersion like v1 or apps/v1, got ${describeValue(
          apiVersion,
        )}`,
      });
    }
    if (kind === undefined) {
      drafts.push({
        segments: ['kind'],
        kind: 'required',
        message: 'required field is missing',
      });
    } else if (typeof kind !== 'string' || !KIND_NAME.test(kind)) {
      drafts.push({
        segments: ['kind'],
        kind: typeof kind === 'string' ? 'invalid-value' : 'invalid-type',
        message: `expected a kind like Deployment, got ${describeValue(kind)}`,
      });
    }
    checkMetadata(obj, kind, drafts);

    const versions = typeof kind === 'string' ? SCHEMAS[kind] : undefined;
    if (versions && typeof apiVersion === 'string') {
      const schema = versions[apiVersion];
      if (!schema) {
        drafts.push({
          segments: ['apiVersion'],
          kind: 'not-supported',
          message: `expected ${Object.keys(versions).join(
            ' or ',
          )} for kind ${String(kind)}, got ${describeValue(apiVersion)}`,
        });
      } else {
        const validate = loadValidator(schema);
        const records = new Map<string, AccessRecord>();
        const valid = validate(track(obj, '', records));
        if (!valid && validate.errors) {
          drafts.push(...convertAjvErrors(validate.errors, obj));
        }
        const unknown: PathSegment[][] = [];
        unknownFields(obj, '', [], records, unknown);
        for (const segments of unknown) {
          drafts.push({
            segments,
            kind: 'unknown-field',
            message: `unknown field ${JSON.stringify(
              segments[segments.length - 1],
            )} (not in the ${String(kind)} ${apiVersion} schema)`,
          });
        }
        checkSemantics(obj, String(kind), drafts);
      }
    }
  }

  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const draft of drafts) {
    const field = formatPath(draft.segments);
    const key = `${field}\u0000${draft.message}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    let full: string;
    if (typeof prefix === 'string') {
      if (!prefix) {
        full = field;
      } else if (!field) {
        full = prefix;
      } else {
        full = field.startsWith('[')
          ? `${prefix}${field}`
          : `${prefix}.${field}`;
      }
    } else {
      full = formatPath([...prefix, ...draft.segments]);
    }
    issues.push({
      path: full,
      field,
      segments: draft.segments,
      kind: draft.kind,
      message: draft.message,
    });
  }
  return issues;
}
