import {
  useAppLocation,
  useAppSearchParams,
} from '@backstage/frontend-plugin-api';
import { useCallback } from 'react';

/** The query parameter that selects an incident on the entity tabs. */
export const INCIDENT_PARAM = 'incident';

/**
 * The incident selected on an entity tab (`?incident=<id>`), kept in the
 * URL so a selection can be shared and survives a reload.
 */
export function useSelectedIncident() {
  const [params, setParams] = useAppSearchParams();
  const location = useAppLocation();
  const selected = params.get(INCIDENT_PARAM) ?? undefined;
  const select = useCallback(
    (id: string | undefined) =>
      setParams(previous => {
        const next = new URLSearchParams(previous);
        if (id) next.set(INCIDENT_PARAM, id);
        else next.delete(INCIDENT_PARAM);
        return next;
      }),
    [setParams],
  );
  const hrefFor = useCallback(
    (id: string) => {
      const next = new URLSearchParams(location.search);
      next.set(INCIDENT_PARAM, id);
      return `${location.pathname}?${next}`;
    },
    [location.pathname, location.search],
  );
  return { selected, select, hrefFor };
}
