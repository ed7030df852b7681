import { z } from 'zod';

/**
 * Version of the signal record. Additive changes (new optional fields, new
 * detectors) keep the version; a removed or retyped field raises it.
 *
 * @public
 */
export const SIGNAL_SCHEMA_VERSION = 1;

/** @public */
export const SIGNAL_SEVERITIES = [
  'critical',
  'high',
  'medium',
  'low',
  'info',
] as const;

/** @public */
export type SignalSeverity = (typeof SIGNAL_SEVERITIES)[number];

/**
 * A Kubernetes object: `Kind/namespace/name` or, cluster-scoped, `Kind/name`.
 *
 * @public
 */
export const objectRefSchema = z.object({
  kind: z.string().min(1),
  namespace: z.string().min(1).optional(),
  name: z.string().min(1),
  uid: z.string().optional(),
});

/** @public */
export type ObjectRef = z.infer<typeof objectRefSchema>;

/** `Kind/namespace/name` or `Kind/name`. @public */
export function formatObjectRef(ref: ObjectRef): string {
  return ref.namespace
    ? `${ref.kind}/${ref.namespace}/${ref.name}`
    : `${ref.kind}/${ref.name}`;
}

/** A Kubernetes Event cited as evidence. @public */
export const evidenceEventSchema = z.object({
  object: objectRefSchema,
  type: z.string(),
  reason: z.string(),
  message: z.string(),
  count: z.number().int().nonnegative(),
  firstTimestamp: z.string().optional(),
  lastTimestamp: z.string().optional(),
});

/** @public */
export type EvidenceEvent = z.infer<typeof evidenceEventSchema>;

/** Redacted log lines of one container. @public */
export const evidenceLogSchema = z.object({
  pod: z.string(),
  container: z.string(),
  previous: z.boolean(),
  lines: z.array(z.string()),
  /** Lines that were cut off to stay within the capture bounds. */
  truncated: z.boolean(),
});

/** @public */
export type EvidenceLog = z.infer<typeof evidenceLogSchema>;

/** A metric series: `[epoch ms, value]` samples. @public */
export const evidenceMetricSchema = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  samples: z.array(z.tuple([z.number(), z.number()])),
  /** What the series is compared with, e.g. the learned baseline. */
  threshold: z.number().optional(),
});

/** @public */
export type EvidenceMetric = z.infer<typeof evidenceMetricSchema>;

/** @public */
export const evidenceSchema = z.object({
  /** Facts read from the object, e.g. `restartCount`, `exitCode`. */
  fields: z.record(z.string(), z.unknown()),
  events: z.array(evidenceEventSchema),
  logs: z.array(evidenceLogSchema),
  metrics: z.array(evidenceMetricSchema),
});

/** @public */
export type Evidence = z.infer<typeof evidenceSchema>;

/**
 * What telemetry observed: one problem on one object, kept up to date while
 * it lasts. Versioned; validated with zod wherever it crosses a boundary.
 *
 * @public
 */
export const signalSchema = z.object({
  schemaVersion: z.literal(SIGNAL_SCHEMA_VERSION),
  id: z.string().min(1),
  /** Stable for one problem on one object: deduplicates repeated sightings. */
  fingerprint: z.string().min(1),
  detector: z.string().min(1),
  severity: z.enum(SIGNAL_SEVERITIES),
  cluster: z.string().min(1),
  object: objectRefSchema,
  /** Controllers from the object up: ReplicaSet, then Deployment. */
  ownerChain: z.array(objectRefSchema),
  /** The top of the owner chain (or the object itself). */
  workload: objectRefSchema,
  /** Labels used to find the catalog entity (the pod template's). */
  labels: z.record(z.string(), z.string()),
  /** A short machine-readable reason, e.g. `CrashLoopBackOff`. */
  reason: z.string().min(1),
  /** The problem in plain words. */
  message: z.string(),
  status: z.enum(['active', 'resolved']),
  firstSeen: z.string(),
  lastSeen: z.string(),
  resolvedAt: z.string().nullable(),
  /** Occurrences (restarts, event counts, sightings). */
  count: z.number().int().positive(),
  evidence: evidenceSchema,
  /** Catalog entities the signal was mapped to; empty when unmapped. */
  entityRefs: z.array(z.string()),
});

/** @public */
export type Signal = z.infer<typeof signalSchema>;

/**
 * Something that changed in a cluster, kept as evidence: a new workload
 * revision, a ConfigMap edit, a Service change, a node condition.
 *
 * @public
 */
export const changeSchema = z.object({
  id: z.string(),
  cluster: z.string(),
  object: objectRefSchema,
  kind: z.enum([
    'workload-revision',
    'scale',
    'config',
    'secret',
    'service',
    'node-condition',
    'autoscaler',
  ]),
  at: z.string(),
  /** e.g. the Deployment revision number. */
  revision: z.string().nullable(),
  summary: z.string(),
  diff: z.array(
    z.object({
      path: z.string(),
      before: z.unknown(),
      after: z.unknown(),
    }),
  ),
  labels: z.record(z.string(), z.string()),
  entityRefs: z.array(z.string()),
});

/** @public */
export type Change = z.infer<typeof changeSchema>;

/** Largest page the signal list returns. @public */
export const MAX_SIGNAL_PAGE_SIZE = 200;

/**
 * Query parameters of `GET /api/ai-sre/signals`; repeated parameters mean
 * "any of".
 *
 * @public
 */
export const listSignalsQuerySchema = z
  .object({
    status: z.union([
      z.enum(['active', 'resolved']),
      z.array(z.enum(['active', 'resolved'])),
    ]),
    entityRef: z.union([z.string().min(1), z.array(z.string().min(1))]),
    detector: z.union([z.string().min(1), z.array(z.string().min(1))]),
    cluster: z.string().min(1),
    since: z
      .string()
      .refine(
        value => !Number.isNaN(Date.parse(value)),
        'expected an ISO 8601 time',
      ),
    limit: z.coerce.number().int().min(1).max(MAX_SIGNAL_PAGE_SIZE),
    cursor: z.string().min(1),
  })
  .partial()
  .strict();

/** @public */
export type ListSignalsQuery = z.infer<typeof listSignalsQuerySchema>;
