import { z } from 'zod/v3';
import { validateManifest, type KubeObject } from './manifest';
import {
  parseDependencyTarget,
  parseEntityRef,
  parseObjectRef,
  SCALABLE_KINDS,
  WORKLOAD_KINDS,
} from './refs';
import {
  NODE_CONDITIONS,
  PLAN_ACTIONS,
  PULL_BEHAVIOURS,
  ROOT_CAUSE_CATEGORIES,
  TAINT_EFFECTS,
  TIMELINE_STEP_KINDS,
  type BehaviourOverlay,
  type Expectation,
  type ImageBehaviour,
  type RuleCondition,
  type TimelineStep,
  type TimelineStepKind,
} from './types';
import {
  describeValue,
  parseDuration,
  parseQuantity,
  parseRate,
  UnitError,
} from './units';

/** Marks issues that are about a key rather than its value. */
export const KEY_ISSUE = 'scenarioKeyIssue';

function strictObject<T extends z.ZodRawShape>(shape: T) {
  return z
    .object(shape)
    .strict(`unknown key; expected one of: ${Object.keys(shape).join(', ')}`);
}

/** A value converted by `convert`, whose errors become issues. */
function converted<T>(convert: (value: unknown) => T, expected: string) {
  return z.unknown().transform((value, ctx): T => {
    if (value === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `required key is missing (expected ${expected})`,
      });
      return z.NEVER;
    }
    try {
      return convert(value);
    } catch (error) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: error instanceof Error ? error.message : String(error),
      });
      return z.NEVER;
    }
  });
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  object: 'a map',
  array: 'a list',
};

/** Error messages that say what was expected and what was found. */
export const scenarioErrorMap: z.ZodErrorMap = (issue, ctx) => {
  const got = `got ${describeValue(ctx.data)}`;
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type: {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (issue.received === 'undefined') {
        return { message: `required key is missing (expected ${expected})` };
      }
      return { message: `expected ${expected}, ${got}` };
    }
    case z.ZodIssueCode.invalid_literal:
      return { message: `expected ${JSON.stringify(issue.expected)}, ${got}` };
    case z.ZodIssueCode.invalid_enum_value:
      return {
        message: `expected one of ${issue.options.join(', ')}, ${got}`,
      };
    case z.ZodIssueCode.too_small:
      if (issue.type === 'array') {
        return { message: `expected at least ${issue.minimum} item(s)` };
      }
      if (issue.type === 'string') {
        return { message: `expected a non-empty string, ${got}` };
      }
      return {
        message: `expected a number ${issue.inclusive ? '>=' : '>'} ${
          issue.minimum
        }, ${got}`,
      };
    case z.ZodIssueCode.too_big:
      if (issue.type === 'array' || issue.type === 'string') {
        return { message: `expected at most ${issue.maximum}, ${got}` };
      }
      return {
        message: `expected a number ${issue.inclusive ? '<=' : '<'} ${
          issue.maximum
        }, ${got}`,
      };
    case z.ZodIssueCode.not_finite:
      return { message: `expected a finite number, ${got}` };
    default:
      return { message: `${ctx.defaultError}, ${got}` };
  }
};

// Scalars

const durationMs = converted(
  parseDuration,
  'a duration like 250ms, 30s, 5m or 2h',
);
const durationWithText = converted(
  value => ({ ms: parseDuration(value), text: String(value) }),
  'a duration like 250ms, 30s, 5m or 2h',
);
function nonNegativeQuantity(value: unknown): number {
  const parsed = parseQuantity(value);
  if (parsed < 0) {
    throw new UnitError(
      `expected a non-negative quantity, got ${describeValue(value)}`,
    );
  }
  return parsed;
}
const quantity = converted(
  nonNegativeQuantity,
  'a Kubernetes quantity like 250m, 512Mi or 2',
);
const quantityWithText = converted(
  value => ({ value: nonNegativeQuantity(value), text: String(value) }),
  'a Kubernetes quantity like 250m, 512Mi or 2',
);
const rate = converted(parseRate, 'a rate like 20Mi/min');
const text = converted(value => {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw new UnitError(`expected a string, got ${describeValue(value)}`);
}, 'a string');
const lines = converted((value): string[] => {
  if (typeof value === 'string') {
    return [value];
  }
  if (
    Array.isArray(value) &&
    value.every(v => ['string', 'number', 'boolean'].includes(typeof v))
  ) {
    return value.map(String);
  }
  throw new UnitError(
    `expected a list of strings, got ${describeValue(value)}`,
  );
}, 'a list of strings');
const nonEmptyString = z.string().min(1);
const nonNegative = z.number().finite().min(0);
const integer = z.number().int();

const objectRef = converted(
  value => parseObjectRef(value),
  'a reference like Kind/namespace/name',
);
const workloadRef = converted(
  value => parseObjectRef(value, WORKLOAD_KINDS),
  'a reference like Deployment/namespace/name',
);
const scalableRef = converted(
  value => parseObjectRef(value, SCALABLE_KINDS),
  'a reference like Deployment/namespace/name',
);
const dependencyTarget = converted(
  parseDependencyTarget,
  'a dependency target like Service/namespace/name or external/NAME',
);

const IMAGE_REF = /^[^\s]+$/;
const imageRef = z.string().regex(IMAGE_REF, {
  message: 'expected an image reference without spaces',
});
const K8S_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const resourceName = z.string().regex(K8S_NAME, {
  message:
    'expected a Kubernetes object name (lower-case letters, digits, "-" and ".")',
});
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const envName = z.string().regex(ENV_NAME, {
  message: 'expected an environment variable name',
});
const httpPath = z.string().regex(/^\//, {
  message: 'expected an HTTP path starting with /',
});

// Manifests

const manifest = z.unknown().transform((value, ctx): KubeObject => {
  const issues = validateManifest(value);
  for (const issue of issues) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: issue.segments,
      message: issue.message,
      params: { [KEY_ISSUE]: issue.kind === 'unknown-field' },
    });
  }
  return issues.length > 0 ? z.NEVER : (structuredClone(value) as KubeObject);
});

// Images

const latency = strictObject({ p50: durationMs, p99: durationMs }).superRefine(
  (value, ctx) => {
    if (value.p99 < value.p50) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['p99'],
        message: 'expected p99 to be at least p50',
      });
    }
  },
);

const exit = strictObject({
  after: durationMs,
  code: integer.min(0).max(255),
  reason: text.optional(),
  log: text.optional(),
});

const probeAnswer = z.enum(['ok', 'fail']);

const overlayShape = {
  pull: z.enum(PULL_BEHAVIOURS).optional(),
  startup: durationMs.optional(),
  cpu: quantity.optional(),
  memory: quantity.optional(),
  memoryGrowth: rate.optional(),
  cpuPerRequest: quantity.optional(),
  traffic: nonNegative.optional(),
  latency: latency.optional(),
  errorRate: z.number().min(0).max(1).optional(),
  exit: exit.optional(),
  liveness: probeAnswer.optional(),
  readiness: probeAnswer.optional(),
  ports: z.array(integer.min(1).max(65535)).optional(),
  paths: z.array(httpPath).optional(),
  logs: z.array(text).optional(),
};

const overlay: z.ZodType<BehaviourOverlay, z.ZodTypeDef, unknown> =
  strictObject(overlayShape);

const CONDITION_KEYS = [
  'envMissing',
  'envEquals',
  'secretMissing',
  'configMapMissing',
] as const;

const condition = strictObject({
  envMissing: envName.optional(),
  envEquals: z
    .record(envName, text)
    .refine(v => Object.keys(v).length > 0, {
      message: 'expected at least one NAME: VALUE entry',
    })
    .optional(),
  secretMissing: resourceName.optional(),
  configMapMissing: resourceName.optional(),
})
  .superRefine((value, ctx) => {
    const present = CONDITION_KEYS.filter(k => value[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected exactly one of ${CONDITION_KEYS.join(', ')}, got ${
          present.length === 0 ? 'none' : present.join(' and ')
        }`,
      });
    }
  })
  .transform((value): RuleCondition => {
    if (value.envMissing !== undefined) {
      return { kind: 'envMissing', name: value.envMissing };
    }
    if (value.envEquals !== undefined) {
      return { kind: 'envEquals', values: value.envEquals };
    }
    if (value.secretMissing !== undefined) {
      return { kind: 'secretMissing', name: value.secretMissing };
    }
    return { kind: 'configMapMissing', name: value.configMapMissing as string };
  });

const behaviour: z.ZodType<ImageBehaviour, z.ZodTypeDef, unknown> =
  strictObject({
    ...overlayShape,
    dependsOn: z
      .array(strictObject({ target: dependencyTarget, onFailure: overlay }))
      .optional(),
    rules: z.array(strictObject({ if: condition, then: overlay })).optional(),
  });

// Cluster

const taint = strictObject({
  key: nonEmptyString,
  value: z.string().optional(),
  effect: z.enum(TAINT_EFFECTS),
});

const node = strictObject({
  name: resourceName,
  cpu: quantityWithText,
  memory: quantityWithText,
  pods: integer.min(0).optional(),
  labels: z.record(z.string()).optional(),
  taints: z.array(taint).optional(),
});

const cluster = strictObject({
  nodes: z.array(node).optional(),
  objects: z.array(manifest).optional(),
});

// Timeline

const nodeChange = strictObject({
  name: resourceName,
  ready: z.boolean().optional(),
  conditions: z.record(z.enum(NODE_CONDITIONS), z.boolean()).optional(),
  cordon: z.boolean().optional(),
}).superRefine((value, ctx) => {
  if (
    value.ready === undefined &&
    value.conditions === undefined &&
    value.cordon === undefined
  ) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: 'expected at least one of ready, conditions, cordon',
    });
  }
});

const blockShape = strictObject({ from: workloadRef, to: dependencyTarget });

const statusPatch = z.record(z.unknown()).superRefine((value, ctx) => {
  if ('status' in value) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['status'],
      message:
        'the patch holds the status fields themselves; remove the status: wrapper',
      params: { [KEY_ISSUE]: true },
    });
  }
});

const actionShape = {
  apply: manifest.optional(),
  delete: objectRef.optional(),
  scale: strictObject({
    target: scalableRef,
    replicas: integer.min(0),
  }).optional(),
  node: nodeChange.optional(),
  traffic: strictObject({
    target: workloadRef,
    multiplier: nonNegative,
  }).optional(),
  image: strictObject({ ref: imageRef, set: behaviour }).optional(),
  block: blockShape.optional(),
  unblock: blockShape.optional(),
  event: strictObject({
    involvedObject: objectRef,
    type: z.enum(['Normal', 'Warning']),
    reason: nonEmptyString,
    message: text,
  }).optional(),
  log: strictObject({ target: workloadRef, lines }).optional(),
  status: strictObject({ target: objectRef, patch: statusPatch }).optional(),
};

/** A step before its position in the file is known. */
export type ParsedStep = TimelineStep extends infer S
  ? S extends TimelineStep
    ? Omit<S, 'index'>
    : never
  : never;

const step = strictObject({ at: durationWithText, ...actionShape })
  .superRefine((value, ctx) => {
    const present = TIMELINE_STEP_KINDS.filter(k => value[k] !== undefined);
    if (present.length === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected one action key: ${TIMELINE_STEP_KINDS.join(', ')}`,
      });
    } else if (present.length > 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected exactly one action per step, got ${present.join(
          ' and ',
        )}; split it into ${present.length} steps`,
      });
    }
  })
  .transform((value): ParsedStep => {
    const at = value.at.ms;
    const atText = value.at.text;
    const kind = TIMELINE_STEP_KINDS.find(
      k => value[k] !== undefined,
    ) as TimelineStepKind;
    switch (kind) {
      case 'apply':
        return { kind, at, atText, manifest: value.apply as KubeObject };
      case 'delete':
        return { kind, at, atText, target: value.delete! };
      case 'scale':
        return { kind, at, atText, ...value.scale! };
      case 'node':
        return { kind, at, atText, ...value.node! };
      case 'traffic':
        return { kind, at, atText, ...value.traffic! };
      case 'image':
        return { kind, at, atText, ...value.image! };
      case 'block':
        return { kind, at, atText, ...value.block! };
      case 'unblock':
        return { kind, at, atText, ...value.unblock! };
      case 'event':
        return { kind, at, atText, ...value.event! };
      case 'log':
        return { kind, at, atText, ...value.log! };
      case 'status':
      default:
        return { kind: 'status', at, atText, ...value.status! };
    }
  });

// Expectations

const planAction = z.enum(PLAN_ACTIONS);

const expectation = strictObject({
  incident: z.boolean(),
  entity: converted(parseEntityRef, 'an entity reference').optional(),
  rootCause: strictObject({
    category: z.enum(ROOT_CAUSE_CATEGORIES),
    object: objectRef.optional(),
  }).optional(),
  actions: z.array(planAction).optional(),
  resolvesWith: planAction.optional(),
})
  .superRefine((value, ctx) => {
    const issue = (path: string[], message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    if (value.incident) {
      if (value.entity === undefined) {
        issue(
          ['entity'],
          'required when incident is true (expected an entity reference like component:default/inventory)',
        );
      }
      if (value.rootCause === undefined) {
        issue(
          ['rootCause'],
          'required when incident is true (expected {category, object?})',
        );
      } else if (value.rootCause.category === 'none') {
        issue(
          ['rootCause', 'category'],
          'expected a category other than none when incident is true',
        );
      }
      if (!value.actions || value.actions.length === 0) {
        issue(
          ['actions'],
          'expected at least one action when incident is true',
        );
      }
    } else if (value.rootCause && value.rootCause.category !== 'none') {
      issue(
        ['rootCause', 'category'],
        `expected none when incident is false, got ${JSON.stringify(
          value.rootCause.category,
        )}`,
      );
    }
  })
  .transform(
    (value): Expectation => ({
      incident: value.incident,
      ...(value.entity !== undefined ? { entity: value.entity } : {}),
      rootCause: value.rootCause ?? { category: 'none' },
      actions: value.actions ?? [],
      ...(value.resolvesWith !== undefined
        ? { resolvesWith: value.resolvesWith }
        : {}),
    }),
  );

// The document

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export const scenarioSchema = strictObject({
  version: z.literal(1),
  id: z.string().regex(ID, {
    message: 'expected a kebab-case id like bookstore-image-typo',
  }),
  title: text.refine(v => !/[\r\n]/.test(v) && v.trim().length > 0, {
    message: 'expected a non-empty title on one line',
  }),
  duration: durationWithText.optional(),
  cluster: cluster.optional(),
  images: z.record(imageRef, behaviour).optional(),
  timeline: z.array(step).optional(),
  expect: expectation.optional(),
});

export type ParsedScenario = z.output<typeof scenarioSchema>;
