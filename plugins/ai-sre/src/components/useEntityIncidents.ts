import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { IncidentStatus } from '@internal/plugin-ai-sre-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiSreApiRef } from '../api';

/** Incidents of the entity on the current page, newest first. */
export function useEntityIncidents(
  options: { status?: IncidentStatus[] } = {},
) {
  const { entity } = useEntity();
  const api = useApi(aiSreApiRef);
  const entityRef = stringifyEntityRef(entity);
  const statusKey = (options.status ?? []).join(',');
  const state = useAsyncRetry(
    () =>
      api.listIncidents({
        entityRef,
        status: statusKey ? (statusKey.split(',') as IncidentStatus[]) : [],
      }),
    [api, entityRef, statusKey],
  );
  return { entity, entityRef, ...state };
}
