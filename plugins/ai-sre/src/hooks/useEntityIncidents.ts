import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { IncidentStatus } from '@internal/plugin-ai-sre-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiSreApiRef } from '../api';
import { useIncidentSignal } from './useIncidentSignal';

/**
 * Incidents of the entity on the current page, newest first, refreshed when
 * the backend announces a change to one of them.
 */
export function useEntityIncidents(
  options: { status?: IncidentStatus[]; limit?: number } = {},
) {
  const { entity } = useEntity();
  const api = useApi(aiSreApiRef);
  const entityRef = stringifyEntityRef(entity);
  const statusKey = (options.status ?? []).join(',');
  const limit = options.limit ?? 50;
  const state = useAsyncRetry(
    () =>
      api.listIncidents({
        entityRef,
        status: statusKey ? (statusKey.split(',') as IncidentStatus[]) : [],
        limit,
      }),
    [api, entityRef, statusKey, limit],
  );
  useIncidentSignal(message => message.entityRef === entityRef, state.retry);
  return { entity, entityRef, ...state };
}
