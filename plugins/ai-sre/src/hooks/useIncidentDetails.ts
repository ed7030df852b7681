import { useApi } from '@backstage/core-plugin-api';
import { Signal } from '@internal/plugin-ai-sre-common';
import { useCallback } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { aiSreApiRef, AuditEntry } from '../api';
import { IncidentDetails } from '@internal/plugin-ai-sre-common';
import { useIncidentSignal } from './useIncidentSignal';

/** How often an incident whose workflow or execution is running is re-read. */
export const POLL_WHILE_RUNNING_MS = 3000;

export interface IncidentData {
  details: IncidentDetails;
  /** Signals of the incident's entity (the evidence the analysis cites). */
  signals: Signal[];
  /** The audit trail; empty when it could not be read. */
  audit: AuditEntry[];
}

/** Whether anything of the incident is still moving. */
export function isBusy(details: IncidentDetails): boolean {
  return (
    details.workflow === 'running' ||
    (details.executions ?? []).some(e => e.status === 'running')
  );
}

/**
 * One incident with what its pages show: details, the signals its analysis
 * cites, and its audit trail. Refreshed when the backend announces a change
 * to it, and every few seconds while its workflow or an execution runs.
 */
export function useIncidentDetails(incidentId: string | undefined) {
  const api = useApi(aiSreApiRef);
  const state = useAsyncRetry(async (): Promise<IncidentData | undefined> => {
    if (!incidentId) return undefined;
    const details = await api.getIncident(incidentId);
    const [signals, audit] = await Promise.all([
      // The incident's own signals come with it; older backends need the
      // entity's signals, which the pages narrow down.
      details.signals
        ? Promise.resolve(details.signals)
        : api
            .listSignals({
              entityRef: details.incident.entityRef ?? undefined,
              limit: 200,
            })
            .then(r => r.items)
            .catch(() => [] as Signal[]),
      api
        .getAudit(incidentId)
        .then(r => r.items)
        .catch(() => [] as AuditEntry[]),
    ]);
    return { details, signals, audit };
  }, [api, incidentId]);
  const { retry } = state;
  const matches = useCallback(
    (message: { incidentId: string }) => message.incidentId === incidentId,
    [incidentId],
  );
  const { live } = useIncidentSignal(matches, retry);
  useInterval(
    retry,
    state.value && isBusy(state.value.details) ? POLL_WHILE_RUNNING_MS : null,
  );
  return { ...state, live };
}
