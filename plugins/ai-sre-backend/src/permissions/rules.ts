import {
  createConditionTransformer,
  createPermissionResourceRef,
  createPermissionRule,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  AI_SRE_INCIDENT_RESOURCE_TYPE,
  Incident,
} from '@internal/plugin-ai-sre-common';
import { z } from 'zod';
import {
  INCIDENT_ENTITIES_TABLE,
  IncidentQueryFilter,
} from '../store/IncidentStore';

/** Permission conditions on incidents become SQL filters on this shape. */
export type IncidentFilter =
  | { column: 'owner_ref' | 'namespace' | 'cluster'; values: string[] }
  | { column: 'entity'; values: string[] };

export const incidentResourceRef = createPermissionResourceRef<
  Incident,
  IncidentFilter
>().with({
  pluginId: 'ai-sre',
  resourceType: AI_SRE_INCIDENT_RESOURCE_TYPE,
});

const lower = (values: string[]) =>
  values.map(value => value.toLocaleLowerCase('en-US'));

/** The incident belongs to an entity owned by one of the given refs. */
export const isIncidentOwner = createPermissionRule({
  name: 'IS_INCIDENT_OWNER',
  description:
    'Allow incidents whose entity is owned by one of the given entity refs (typically the user and their groups)',
  resourceRef: incidentResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe('Owner entity refs, e.g. the ownership claims of the user'),
  }),
  apply: (incident, { claims }) =>
    incident.ownerRef !== null && lower(claims).includes(incident.ownerRef),
  toQuery: ({ claims }) => ({ column: 'owner_ref', values: lower(claims) }),
});

/** The incident concerns (belongs to or affects) one of the given entities. */
export const isIncidentOfEntity = createPermissionRule({
  name: 'IS_INCIDENT_OF_ENTITY',
  description:
    'Allow incidents that belong to or affect one of the given catalog entities',
  resourceRef: incidentResourceRef,
  paramsSchema: z.object({
    entityRefs: z.array(z.string()).describe('Catalog entity refs'),
  }),
  apply: (incident, { entityRefs }) => {
    const refs = lower(entityRefs);
    return [incident.entityRef, ...incident.impactedEntityRefs].some(
      ref => ref !== null && refs.includes(ref),
    );
  },
  toQuery: ({ entityRefs }) => ({
    column: 'entity',
    values: lower(entityRefs),
  }),
});

/** The incident is in one of the given Kubernetes namespaces. */
export const isIncidentInNamespace = createPermissionRule({
  name: 'IS_INCIDENT_IN_NAMESPACE',
  description: 'Allow incidents in one of the given Kubernetes namespaces',
  resourceRef: incidentResourceRef,
  paramsSchema: z.object({
    namespaces: z.array(z.string()).describe('Kubernetes namespaces'),
  }),
  apply: (incident, { namespaces }) =>
    incident.namespace !== null && namespaces.includes(incident.namespace),
  toQuery: ({ namespaces }) => ({ column: 'namespace', values: namespaces }),
});

export const incidentPermissionRules = [
  isIncidentOwner,
  isIncidentOfEntity,
  isIncidentInNamespace,
];

/**
 * A table the conditions apply to: incidents, or signals (which carry the
 * same owner, namespace and cluster columns and an entities table).
 */
export interface FilterTarget {
  entitiesTable: string;
  /** Column of the entities table holding the row's id. */
  idColumn: string;
}

export const INCIDENT_FILTER_TARGET: FilterTarget = {
  entitiesTable: INCIDENT_ENTITIES_TABLE,
  idColumn: 'incident_id',
};

function applyFilter(
  query: Parameters<IncidentQueryFilter>[0],
  filter: IncidentFilter,
  target: FilterTarget,
) {
  if (filter.column === 'entity') {
    query.whereIn('id', function entitySubquery() {
      this.select(target.idColumn)
        .from(target.entitiesTable)
        .whereIn('entity_ref', filter.values);
    });
  } else {
    query.whereIn(filter.column, filter.values);
  }
}

function criteriaToFilter(
  criteria: PermissionCriteria<IncidentFilter>,
  target: FilterTarget,
): IncidentQueryFilter {
  if ('allOf' in criteria) {
    const parts = criteria.allOf.map(c => criteriaToFilter(c, target));
    return query => {
      for (const part of parts) {
        query.andWhere(inner => part(inner));
      }
    };
  }
  if ('anyOf' in criteria) {
    const parts = criteria.anyOf.map(c => criteriaToFilter(c, target));
    return query => {
      for (const part of parts) {
        query.orWhere(inner => part(inner));
      }
    };
  }
  if ('not' in criteria) {
    const part = criteriaToFilter(criteria.not, target);
    return query => {
      query.whereNot(inner => part(inner));
    };
  }
  return query => applyFilter(query, criteria, target);
}

/**
 * Turns the conditions of a conditional decision into a filter that the
 * store applies inside its SQL query.
 */
export function createIncidentConditionFilter(
  ruleset: PermissionRuleset<Incident, IncidentFilter>,
) {
  const transform = createConditionTransformer(ruleset);
  return (
    conditions: Parameters<typeof transform>[0],
    target: FilterTarget = INCIDENT_FILTER_TARGET,
  ): IncidentQueryFilter => criteriaToFilter(transform(conditions), target);
}
