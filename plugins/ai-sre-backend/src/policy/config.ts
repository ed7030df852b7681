/**
 * The policy configuration (`aiSre.policy` in app-config): the org rules the
 * deterministic safety step applies to every plan. Safety is code, not a
 * prompt: a model may propose, only this policy disposes.
 *
 * Defaults are the cautious ones: every change needs a human's approval and
 * auto-execution stays off until an adopter turns it on.
 */
import { z } from 'zod';
import {
  REMEDIATION_ACTIONS,
  type RemediationAction,
} from '@internal/plugin-ai-sre-common';

/** Where the policy lives in app-config; used to name bad values. */
export const POLICY_CONFIG_PATH = 'aiSre.policy';

/** Actions that change nothing in a cluster. */
export const NON_CHANGE_ACTIONS: readonly RemediationAction[] = [
  'notify-owner',
  'monitor',
];

/**
 * Low-risk actions: reversible, one workload or one object, no data at risk.
 * The only ones auto-execution may run unless an adopter widens the list.
 */
export const LOW_RISK_ACTIONS: readonly RemediationAction[] = [
  'restart-workload',
  'delete-pod',
  'cordon-node',
  'suspend-cronjob',
  'notify-owner',
  'monitor',
];

const action = z.enum(REMEDIATION_ACTIONS);

const nonEmpty = z.string().trim().min(1);

const isoTime = z
  .string()
  .refine(
    value =>
      /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)),
    'expected an ISO 8601 date-time, e.g. 2025-03-04T22:00:00Z',
  );

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** A weekday, `mon` .. `sun` (or its full English name, any case). */
export type Weekday = (typeof WEEKDAYS)[number];

const weekday = z.preprocess(
  value =>
    typeof value === 'string' ? value.trim().toLowerCase().slice(0, 3) : value,
  z.enum(WEEKDAYS, {
    error: 'expected a weekday: mon, tue, wed, thu, fri, sat or sun',
  }),
);

const clockTime = z
  .string()
  .regex(
    /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/,
    'expected a UTC time of day as HH:MM, e.g. 22:00',
  );

/** Minutes since midnight of an `HH:MM` string. */
export function minutesOfDay(value: string): number {
  const [h, m] = value.split(':').map(Number);
  return h * 60 + m;
}

const maintenanceWindowSchema = z
  .strictObject({
    /** Shown in explanations. */
    name: nonEmpty.optional(),
    /** Entities the window covers, e.g. `component:default/web`. */
    entityRefs: z.array(nonEmpty).optional(),
    /** Kubernetes namespaces the window covers (`*` for all). */
    namespaces: z.array(nonEmpty).optional(),
    /** Clusters the window covers (default: every cluster). */
    clusters: z.array(nonEmpty).optional(),
    /** A one-off window: start (inclusive) and end (exclusive), ISO 8601. */
    start: isoTime.optional(),
    end: isoTime.optional(),
    /**
     * A weekly window in UTC: on each listed day from `from` (inclusive) to
     * `to` (exclusive); a `to` at or before `from` ends the next day.
     */
    weekly: z
      .strictObject({
        days: z.array(weekday).min(1),
        from: clockTime,
        to: clockTime,
      })
      .refine(w => minutesOfDay(w.from) !== minutesOfDay(w.to), {
        message: 'expected `to` to differ from `from`',
        path: ['to'],
      })
      .optional(),
    reason: z.string().optional(),
  })
  .superRefine((w, ctx) => {
    if (!w.entityRefs?.length && !w.namespaces?.length) {
      ctx.addIssue({
        code: 'custom',
        message:
          'expected `entityRefs` or `namespaces` (use namespaces: ["*"] for every namespace)',
        path: ['entityRefs'],
      });
    }
    const oneOff = w.start !== undefined || w.end !== undefined;
    if (oneOff && w.weekly) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected either `start`/`end` or `weekly`, not both',
        path: ['weekly'],
      });
    } else if (!oneOff && !w.weekly) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected `start` and `end`, or `weekly`',
        path: ['start'],
      });
    } else if (oneOff) {
      if (w.start === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a start to go with `end`',
          path: ['start'],
        });
      } else if (w.end === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected an end to go with `start`',
          path: ['end'],
        });
      } else if (Date.parse(w.end) <= Date.parse(w.start)) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected `end` after `start`',
          path: ['end'],
        });
      }
    }
  });

/** @public */
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

const suppressionSchema = z
  .strictObject({
    /** Detector id, e.g. `pod-restarts`. */
    detector: nonEmpty.optional(),
    entityRef: nonEmpty.optional(),
    namespace: nonEmpty.optional(),
    cluster: nonEmpty.optional(),
    /** Why (shown in explanations). */
    reason: z.string().optional(),
    /** The rule lapses at this time (ISO 8601). */
    until: isoTime.optional(),
  })
  .refine(
    s =>
      s.detector !== undefined ||
      s.entityRef !== undefined ||
      s.namespace !== undefined ||
      s.cluster !== undefined,
    {
      message:
        'expected at least one of `detector`, `entityRef`, `namespace` or `cluster` (a rule without them would silence everything)',
    },
  );

/** @public */
export type SuppressionRule = z.infer<typeof suppressionSchema>;

const count = z.number().int().nonnegative();

/**
 * The policy configuration schema. Every key is optional in app-config;
 * defaults are filled in. Unknown keys are rejected so typos do not
 * silently loosen or tighten the policy.
 */
export const policyConfigSchema = z.strictObject({
  autoExecute: z
    .strictObject({
      /** Off by default: every change waits for a human. */
      enabled: z.boolean().default(false),
      /** Least root-cause confidence (0..1) for acting without a human. */
      minConfidence: z.number().min(0).max(1).default(0.8),
      /** The actions auto-execution may run. */
      actions: z.array(action).default([...LOW_RISK_ACTIONS]),
    })
    .prefault({}),
  requireApproval: z
    .strictObject({
      /** Catalog lifecycles whose entities need approval for any change. */
      lifecycles: z.array(nonEmpty).default(['production']),
      /** Target kinds (or a Pod owned by one) that need approval. */
      kinds: z.array(nonEmpty).default(['StatefulSet', 'Node']),
      /** Namespaces (exact, or a prefix ending in `*`) that need approval. */
      namespaces: z.array(nonEmpty).default([]),
      /** Actions that always need approval. */
      actions: z.array(action).default([]),
      /** Plan-step risks that need approval. */
      risks: z.array(z.enum(['low', 'medium', 'high'])).default(['high']),
      /** A change to a workload without a catalog entity needs approval. */
      unknownEntity: z.boolean().default(true),
    })
    .prefault({}),
  /** The actions that may run at all (default: the whole allow-list). */
  allowedActions: z.array(action).default([...REMEDIATION_ACTIONS]),
  blastRadius: z
    .strictObject({
      /** Replicas added or removed by a plan (scale, autoscaler bounds). */
      maxReplicasChanged: count.default(10),
      /** Pods a plan restarts, evicts or deletes. */
      maxPodsRestarted: count.default(25),
      /** Distinct nodes a plan cordons or drains. */
      maxNodesTouched: count.default(1),
      /** What happens above a limit: a human decides, or the step is refused. */
      onExceed: z.enum(['ask-human', 'refuse']).default('ask-human'),
    })
    .prefault({}),
  rateLimits: z
    .strictObject({
      /** Cluster changes per entity per rolling hour, this plan included. */
      actionsPerEntityPerHour: count.default(3),
      /** Retries after the first attempt for one incident. */
      maxRetries: count.default(2),
    })
    .prefault({}),
  /** Never auto-execute; approved steps run as server-side dry-runs only. */
  dryRun: z.boolean().default(false),
  gitops: z
    .strictObject({
      /**
       * Patch objects Argo CD or Flux manage directly (they would be put
       * back from Git). Default false: such steps are refused and the
       * refusal names the Git source to change.
       */
      allowDirectPatch: z.boolean().default(false),
    })
    .prefault({}),
  killSwitch: z
    .strictObject({
      /** Stops every execution. */
      global: z.boolean().default(false),
      /** Entities nothing may be executed for. */
      entities: z.array(nonEmpty).default([]),
    })
    .prefault({}),
  /** Planned work: signals are recorded, no incident or notification. */
  maintenanceWindows: z.array(maintenanceWindowSchema).default([]),
  /** Known noise: signals are recorded, no incident or notification. */
  suppressions: z.array(suppressionSchema).default([]),
  approval: z
    .strictObject({
      /** A pending approval expires after this many minutes. */
      expiresAfterMinutes: z.number().int().positive().default(60),
      /** Who to escalate an unanswered approval to (a group or user ref). */
      escalateTo: nonEmpty.optional(),
      /** Minutes before escalating; default half the expiry. */
      escalateAfterMinutes: z.number().int().positive().optional(),
      secondApprover: z
        .strictObject({
          /** A plan a human adjusted needs a second approver ... */
          forAdjustedPlans: z.boolean().default(true),
          /** ... when its entity has one of these lifecycles. */
          lifecycles: z.array(nonEmpty).default(['production']),
        })
        .prefault({}),
    })
    .prefault({}),
});

/** The validated policy, defaults filled in. @public */
export type PolicyConfig = z.infer<typeof policyConfigSchema>;

/** The policy input as written in app-config (every key optional). @public */
export type PolicyConfigInput = z.input<typeof policyConfigSchema>;

/** A bad value in the policy configuration. */
export class PolicyConfigError extends Error {
  readonly issues: Array<{ path: string; message: string }>;

  constructor(issues: Array<{ path: string; message: string }>) {
    super(
      `Invalid AI SRE policy configuration: ${issues
        .map(i => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
    this.name = 'PolicyConfigError';
    this.issues = issues;
  }
}

function formatPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * Validates raw policy configuration (e.g. `config.getOptional('aiSre.policy')`)
 * and fills in defaults. Throws a {@link PolicyConfigError} naming the path of
 * every bad value, e.g. `aiSre.policy.autoExecute.minConfidence`.
 */
export function readPolicyConfig(
  raw: unknown,
  options: { path?: string } = {},
): PolicyConfig {
  const prefix = options.path ?? POLICY_CONFIG_PATH;
  const result = policyConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap(issue => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(key => ({
        path: formatPath(prefix, [...issue.path, key]),
        message: 'unknown key',
      }));
    }
    return [{ path: formatPath(prefix, issue.path), message: issue.message }];
  });
  throw new PolicyConfigError(issues);
}

/** The defaults: approval for every change, auto-execution off. */
export function defaultPolicyConfig(): PolicyConfig {
  return readPolicyConfig(undefined);
}
