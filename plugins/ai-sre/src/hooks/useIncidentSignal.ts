import { useSignal } from '@backstage/plugin-signals-react';
import { useEffect, useRef } from 'react';

/** The Backstage signals channel the backend announces incident changes on. */
export const INCIDENT_SIGNAL_CHANNEL = 'ai-sre:incidents';

/** A message on {@link INCIDENT_SIGNAL_CHANNEL}. */
export type IncidentSignalMessage = {
  incidentId: string;
  /** opened, updated, reopened, awaiting-approval, executed, resolved */
  change: string;
  entityRef: string;
  status: string;
};

/**
 * Calls `onChange` whenever the backend announces a change to an incident
 * that `matches` accepts. Without the signals plugin this does nothing, and
 * pages fall back to polling while work is in progress.
 */
export function useIncidentSignal(
  matches: (message: IncidentSignalMessage) => boolean,
  onChange: () => void,
): { live: boolean } {
  const { lastSignal, isSignalsAvailable } = useSignal<IncidentSignalMessage>(
    INCIDENT_SIGNAL_CHANNEL,
  );
  const latest = useRef({ matches, onChange });
  latest.current = { matches, onChange };
  useEffect(() => {
    if (lastSignal && latest.current.matches(lastSignal)) {
      latest.current.onChange();
    }
  }, [lastSignal]);
  return { live: isSignalsAvailable };
}
