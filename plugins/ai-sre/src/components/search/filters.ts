import {
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  IncidentSeverity,
  IncidentStatus,
  ROOT_CAUSE_CATEGORIES,
  RootCauseCategory,
} from '@internal/plugin-ai-sre-common';
import { DateTime } from 'luxon';
import { ListIncidentsRequest } from '../../api';

/** The time ranges offered, besides a custom one. */
export const TIME_RANGES = {
  '24h': { label: 'Last 24 hours', hours: 24 },
  '7d': { label: 'Last 7 days', hours: 24 * 7 },
  '30d': { label: 'Last 30 days', hours: 24 * 30 },
  '90d': { label: 'Last 90 days', hours: 24 * 90 },
  all: { label: 'All time', hours: undefined },
  custom: { label: 'Custom range', hours: undefined },
} as const;

export type TimeRange = keyof typeof TIME_RANGES;

/** The incident search, as kept in the page's URL. */
export interface IncidentFilters {
  entity: string[];
  owner: string[];
  system: string[];
  namespace: string[];
  cluster: string[];
  severity: IncidentSeverity[];
  status: IncidentStatus[];
  category: RootCauseCategory[];
  range: TimeRange;
  /** `datetime-local` values (local time) of a custom range. */
  from: string;
  to: string;
  q: string;
}

export const EMPTY_FILTERS: IncidentFilters = {
  entity: [],
  owner: [],
  system: [],
  namespace: [],
  cluster: [],
  severity: [],
  status: [],
  category: [],
  range: 'all',
  from: '',
  to: '',
  q: '',
};

const LIST_KEYS = [
  'entity',
  'owner',
  'system',
  'namespace',
  'cluster',
  'severity',
  'status',
  'category',
] as const;

function oneOf<T extends string>(allowed: readonly T[], values: string[]): T[] {
  return values.filter((v): v is T =>
    (allowed as readonly string[]).includes(v),
  );
}

/** Reads the filters from a URL query; unknown values are dropped. */
export function parseFilters(params: URLSearchParams): IncidentFilters {
  const range = params.get('range') ?? 'all';
  return {
    entity: params.getAll('entity'),
    owner: params.getAll('owner'),
    system: params.getAll('system'),
    namespace: params.getAll('namespace'),
    cluster: params.getAll('cluster'),
    severity: oneOf(INCIDENT_SEVERITIES, params.getAll('severity')),
    status: oneOf(INCIDENT_STATUSES, params.getAll('status')),
    category: oneOf(ROOT_CAUSE_CATEGORIES, params.getAll('category')),
    range: range in TIME_RANGES ? (range as TimeRange) : 'all',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    q: params.get('q') ?? '',
  };
}

/** Writes the filters as a URL query, leaving defaults out. */
export function filtersToParams(filters: IncidentFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of LIST_KEYS) {
    for (const value of filters[key]) params.append(key, value);
  }
  if (filters.range !== 'all') params.set('range', filters.range);
  if (filters.range === 'custom') {
    if (filters.from) params.set('from', filters.from);
    if (filters.to) params.set('to', filters.to);
  }
  if (filters.q.trim()) params.set('q', filters.q.trim());
  return params;
}

/** Whether any filter narrows the search. */
export function hasFilters(filters: IncidentFilters): boolean {
  return filtersToParams(filters).toString() !== '';
}

function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const time = DateTime.fromISO(value);
  return time.isValid ? time.toUTC().toISO() ?? undefined : undefined;
}

/** The `GET /incidents` request for the filters, at time `now`. */
export function filtersToRequest(
  filters: IncidentFilters,
  now: DateTime = DateTime.now(),
): ListIncidentsRequest {
  const request: ListIncidentsRequest = {
    entityRef: filters.entity,
    owner: filters.owner,
    system: filters.system,
    namespace: filters.namespace,
    cluster: filters.cluster,
    severity: filters.severity,
    status: filters.status,
    category: filters.category,
  };
  const { hours } = TIME_RANGES[filters.range];
  if (hours) {
    request.from = now.minus({ hours }).toUTC().toISO() ?? undefined;
  } else if (filters.range === 'custom') {
    request.from = localToIso(filters.from);
    request.to = localToIso(filters.to);
  }
  if (filters.q.trim()) request.q = filters.q.trim();
  return request;
}
