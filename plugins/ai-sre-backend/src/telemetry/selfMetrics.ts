import { Meter, metrics } from '@opentelemetry/api';

/** What the telemetry service reports about each cluster. */
export interface ClusterHealthSample {
  name: string;
  watchedHere: boolean;
  status?: {
    synced: boolean;
    watches: number;
    apiRequests: number;
    lastEventAt: string | null;
    errors: number;
    relists: number;
    activeSignals: number;
    signalsOpened: number;
  };
}

/**
 * Telemetry's own health as OpenTelemetry metrics, exported by Backstage's
 * metrics setup (e.g. its Prometheus exporter): per cluster, whether it is
 * watched and synced, open watches, API requests, age of the last event,
 * watch errors and relists, and signals.
 */
export function registerSelfMetrics(
  health: () => ClusterHealthSample[],
  now: () => number,
  meter: Meter = metrics.getMeter('ai-sre'),
): void {
  const gauge = (name: string, description: string, unit?: string) =>
    meter.createObservableGauge(name, {
      description,
      ...(unit ? { unit } : {}),
    });
  const counter = (name: string, description: string) =>
    meter.createObservableCounter(name, { description });

  const connected = gauge(
    'ai_sre.cluster.connected',
    'Cluster watched by this replica and synced (1) or not (0)',
  );
  const watches = gauge('ai_sre.cluster.watches', 'Open watches of a cluster');
  const lastEventAge = gauge(
    'ai_sre.cluster.last_event_age',
    'Time since the last watch event of a cluster',
    's',
  );
  const requests = counter(
    'ai_sre.cluster.api_requests',
    'API requests made to a cluster',
  );
  const errors = counter(
    'ai_sre.cluster.watch_errors',
    'Watch errors of a cluster',
  );
  const relists = counter(
    'ai_sre.cluster.relists',
    'Relists after expired resource versions',
  );
  const active = gauge('ai_sre.signals.active', 'Signals open now');
  const opened = counter('ai_sre.signals.opened', 'Signals opened');

  meter.addBatchObservableCallback(
    result => {
      for (const cluster of health()) {
        const attributes = { cluster: cluster.name };
        const status = cluster.status;
        result.observe(
          connected,
          cluster.watchedHere && status?.synced ? 1 : 0,
          attributes,
        );
        if (!status) continue;
        result.observe(watches, status.watches, attributes);
        result.observe(requests, status.apiRequests, attributes);
        result.observe(errors, status.errors, attributes);
        result.observe(relists, status.relists, attributes);
        result.observe(active, status.activeSignals, attributes);
        result.observe(opened, status.signalsOpened, attributes);
        if (status.lastEventAt) {
          result.observe(
            lastEventAge,
            (now() - Date.parse(status.lastEventAt)) / 1000,
            attributes,
          );
        }
      }
    },
    [
      connected,
      watches,
      lastEventAge,
      requests,
      errors,
      relists,
      active,
      opened,
    ],
  );
}
