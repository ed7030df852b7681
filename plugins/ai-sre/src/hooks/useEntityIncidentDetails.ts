import { useApi } from '@backstage/core-plugin-api';
import { Incident } from '@internal/plugin-ai-sre-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { aiSreApiRef } from '../api';
import {
  IncidentData,
  isBusy,
  POLL_WHILE_RUNNING_MS,
} from './useIncidentDetails';
import { useIncidentSignal } from './useIncidentSignal';

/** How many of the entity's newest incidents the Approvals tab reads in full. */
export const RECENT_DETAILS = 10;

/**
 * Full details of the entity's unresolved incidents and its newest ones:
 * the list route says nothing about plans or executions, so each is read.
 */
export function useIncidentDetailsOf(incidents: Incident[] | undefined) {
  const api = useApi(aiSreApiRef);
  const ids = (incidents ?? [])
    .filter(
      (incident, index) =>
        index < RECENT_DETAILS ||
        !['resolved', 'false-positive'].includes(incident.status),
    )
    .map(incident => incident.id);
  const key = ids.join(',');
  const state = useAsyncRetry(async (): Promise<IncidentData[]> => {
    if (!key) return [];
    return Promise.all(
      key.split(',').map(async id => ({
        details: await api.getIncident(id),
        signals: [],
        audit: [],
      })),
    );
  }, [api, key]);
  useIncidentSignal(message => ids.includes(message.incidentId), state.retry);
  useInterval(
    state.retry,
    state.value?.some(data => isBusy(data.details))
      ? POLL_WHILE_RUNNING_MS
      : null,
  );
  return state;
}
