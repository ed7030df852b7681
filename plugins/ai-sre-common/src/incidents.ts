import { z } from 'zod';
import { ROOT_CAUSE_CATEGORIES } from './taxonomy';

/** @public */
export const INCIDENT_SEVERITIES = [
  'critical',
  'high',
  'medium',
  'low',
] as const;

/** @public */
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/**
 * Lifecycle of an incident: `open` when detected, `acknowledged` when a person
 * took it, `mitigating` while an approved fix runs, `resolved` when the entity
 * is healthy again, `false-positive` when a person marked it so.
 *
 * @public
 */
export const INCIDENT_STATUSES = [
  'open',
  'acknowledged',
  'mitigating',
  'resolved',
  'false-positive',
] as const;

/** @public */
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * An incident as the REST API returns it. Times are ISO 8601 strings.
 *
 * @public
 */
export const incidentSchema = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  /** The entity the incident belongs to (the culprit's), when known. */
  entityRef: z.string().nullable(),
  /** Other entities that show symptoms. */
  impactedEntityRefs: z.array(z.string()),
  ownerRef: z.string().nullable(),
  systemRef: z.string().nullable(),
  cluster: z.string(),
  namespace: z.string().nullable(),
  severity: z.enum(INCIDENT_SEVERITIES),
  status: z.enum(INCIDENT_STATUSES),
  category: z.enum(ROOT_CAUSE_CATEGORIES).nullable(),
  /** When the first symptom was observed. */
  startedAt: z.string(),
  /** When the incident was opened. */
  openedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  updatedAt: z.string(),
});

/** @public */
export type Incident = z.infer<typeof incidentSchema>;

/** Largest page the incident list returns. @public */
export const MAX_INCIDENT_PAGE_SIZE = 200;

/**
 * Query parameters of `GET /api/ai-sre/incidents`.
 * Repeated parameters (`?status=open&status=resolved`) mean "any of".
 *
 * @public
 */
export const listIncidentsQuerySchema = z
  .object({
    entityRef: z.union([z.string().min(1), z.array(z.string().min(1))]),
    status: z.union([
      z.enum(INCIDENT_STATUSES),
      z.array(z.enum(INCIDENT_STATUSES)),
    ]),
    severity: z.union([
      z.enum(INCIDENT_SEVERITIES),
      z.array(z.enum(INCIDENT_SEVERITIES)),
    ]),
    /** Owning group (or user) entity ref. */
    owner: z.union([z.string().min(1), z.array(z.string().min(1))]),
    /** System entity ref. */
    system: z.union([z.string().min(1), z.array(z.string().min(1))]),
    namespace: z.union([z.string().min(1), z.array(z.string().min(1))]),
    cluster: z.union([z.string().min(1), z.array(z.string().min(1))]),
    category: z.union([
      z.enum(ROOT_CAUSE_CATEGORIES),
      z.array(z.enum(ROOT_CAUSE_CATEGORIES)),
    ]),
    /** Opened at or after (ISO 8601). */
    from: z.iso.datetime({ offset: true }),
    /** Opened before (ISO 8601). */
    to: z.iso.datetime({ offset: true }),
    /** Free text over title and summary. */
    q: z.string().trim().min(1).max(200),
    limit: z.coerce.number().int().min(1).max(MAX_INCIDENT_PAGE_SIZE),
    cursor: z.string().min(1),
  })
  .partial()
  .strict();

/** @public */
export type ListIncidentsQuery = z.infer<typeof listIncidentsQuerySchema>;

/** @public */
export interface ListIncidentsResponse {
  items: Incident[];
  /** Pass as `cursor` to fetch the next page; absent on the last page. */
  nextCursor?: string;
}
