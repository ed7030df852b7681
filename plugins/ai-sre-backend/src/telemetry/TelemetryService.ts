import type { Config } from '@backstage/config';
import type { Meter } from '@opentelemetry/api';
import { Change, Signal } from '@internal/plugin-ai-sre-common';
import type {
  AiSreClock,
  AiSreDetector,
  AiSreTimer,
  DetectorMetrics,
} from '@internal/plugin-ai-sre-node';
import { EntityResolver } from '../catalog/EntityResolver';
import { LeaseStore } from '../store/LeaseStore';
import { SignalStore } from '../store/SignalStore';
import { ClusterMonitor, LoggerLike } from './ClusterMonitor';
import { ClusterTarget, readClusterTargets } from './clusters';
import { inferDependencies } from './dependencies';
import { registerSelfMetrics } from './selfMetrics';
import { KubeClient } from './kube/KubeClient';
import { MetricsServerSource } from './metrics/MetricsServerSource';
import { PrometheusMetricSource } from './metrics/PrometheusMetricSource';
import { ScrapeMetricSource } from './metrics/ScrapeMetricSource';
import { SignalEvent } from './SignalTracker';

/** Where signals go once persisted: the events service, reasoning. */
export type SignalPublisher = (event: SignalEvent) => Promise<void>;

export interface TelemetryServiceOptions {
  config: Config;
  logger: LoggerLike;
  clock: AiSreClock;
  detectors: () => AiSreDetector[];
  signals: SignalStore;
  leases: LeaseStore;
  resolver: EntityResolver;
  publish: SignalPublisher;
  /** This replica's identity for leases. */
  holder: string;
  /** Overrides the cluster list (tests). */
  targets?: ClusterTarget[];
  leaseTtlMs?: number;
  /** Where self-metrics go; default the global OpenTelemetry meter. */
  meter?: Meter;
}

interface Running {
  target: ClusterTarget;
  monitor?: ClusterMonitor;
  scraper?: ScrapeMetricSource;
  leaseTimer?: AiSreTimer;
  holding: boolean;
}

/**
 * Runs a ClusterMonitor for every watchable cluster whose lease this replica
 * holds, resolves signals to catalog entities, persists and publishes them
 * in order.
 */
export class TelemetryService {
  private readonly clusters = new Map<string, Running>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: TelemetryServiceOptions) {}

  targets(): ClusterTarget[] {
    return this.options.targets ?? readClusterTargets(this.options.config);
  }

  start(): void {
    registerSelfMetrics(
      () => this.health(),
      () => this.options.clock.now(),
      this.options.meter,
    );
    for (const target of this.targets()) {
      const running: Running = { target, holding: false };
      this.clusters.set(target.name, running);
      if (!target.watchable) {
        this.options.logger.warn(
          `Cluster ${target.name} is not watchable: ${target.reason}`,
        );
        continue;
      }
      void this.leaseLoop(running);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const running of this.clusters.values()) {
      running.leaseTimer?.cancel();
      this.stopMonitor(running);
      if (running.holding) {
        await this.options.leases.release(
          `cluster:${running.target.name}`,
          this.options.holder,
        );
        running.holding = false;
      }
    }
    await this.queue;
  }

  /** Per-cluster connection health, for the API. */
  health() {
    return [...this.clusters.values()].map(running => ({
      name: running.target.name,
      source: running.target.source,
      watchable: running.target.watchable,
      reason: running.target.reason ?? null,
      watchedHere: running.holding,
      metrics: metricSourceKind(running.target),
      ...(running.monitor ? { status: running.monitor.health() } : {}),
    }));
  }

  /**
   * The service dependency graph inferred from each watched cluster (env
   * values, ConfigMaps, commands naming Services), with the catalog
   * entities of both ends.
   */
  async dependencies() {
    const out = [];
    for (const running of this.clusters.values()) {
      const monitor = running.monitor;
      if (!monitor) continue;
      for (const edge of inferDependencies(monitor.cache)) {
        const entitiesOf = async (ref: typeof edge.from) => {
          const placement = monitor.place(ref);
          return (
            await this.options.resolver.resolve(placement.labels, ref.namespace)
          ).map(e => e.ref);
        };
        out.push({
          cluster: running.target.name,
          ...edge,
          fromEntityRefs: await entitiesOf(edge.from),
          toEntityRefs: [
            ...new Set((await Promise.all(edge.to.map(entitiesOf))).flat()),
          ],
        });
      }
    }
    return out;
  }

  monitor(cluster: string): ClusterMonitor | undefined {
    return this.clusters.get(cluster)?.monitor;
  }

  private async leaseLoop(running: Running): Promise<void> {
    if (this.stopped) return;
    const ttl = this.options.leaseTtlMs ?? 30_000;
    const name = `cluster:${running.target.name}`;
    let holding = false;
    try {
      holding = await this.options.leases.tryAcquire(
        name,
        this.options.holder,
        this.options.clock.now(),
        ttl,
      );
    } catch (error) {
      this.options.logger.warn(`Lease ${name} could not be checked`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    if (this.stopped) return;
    if (holding && !running.holding) {
      running.holding = true;
      await this.startMonitor(running);
    } else if (!holding && running.holding) {
      running.holding = false;
      this.stopMonitor(running);
      this.options.logger.info(
        `Lost the lease of cluster ${running.target.name}; another replica watches it`,
      );
    }
    running.leaseTimer = this.options.clock.setTimeout(
      () => void this.leaseLoop(running),
      ttl / 3,
    );
  }

  private metricsFor(running: Running): DetectorMetrics | undefined {
    const { metrics, kubeConfig, name } = running.target;
    if (metrics.prometheusUrl) {
      return new PrometheusMetricSource({
        url: metrics.prometheusUrl,
        selector: metrics.prometheusSelector,
      });
    }
    if (metrics.scrapeUrl && kubeConfig) {
      const client = new KubeClient(kubeConfig);
      const scrapeUrl = metrics.scrapeUrl;
      running.scraper = new ScrapeMetricSource({
        clock: this.options.clock,
        intervalSeconds: metrics.scrapeIntervalSeconds,
        fetchText: async () => {
          if (scrapeUrl === 'cluster') return client.getText('/metrics');
          const response = await fetch(scrapeUrl);
          if (!response.ok)
            throw new Error(
              `scrape of ${scrapeUrl} for ${name} answered ${response.status}`,
            );
          return response.text();
        },
      });
      return running.scraper;
    }
    if (kubeConfig && metrics.metricsServer !== false) {
      // No Prometheus, no scrape endpoint: usage from metrics.k8s.io.
      return new MetricsServerSource(
        new KubeClient(kubeConfig),
        this.options.clock,
      );
    }
    return undefined;
  }

  private settingsFor(detector: AiSreDetector): Record<string, number> {
    const overrides =
      this.options.config.getOptional<Record<string, number | boolean>>(
        `aiSre.telemetry.detectors.${detector.id}`,
      ) ?? {};
    const numeric = Object.fromEntries(
      Object.entries(overrides).filter(
        ([, value]) => typeof value === 'number',
      ),
    ) as Record<string, number>;
    return { ...(detector.defaults ?? {}), ...numeric };
  }

  private enabledDetectors(): AiSreDetector[] {
    return this.options.detectors().flatMap(detector => {
      const overrides = this.options.config.getOptional<
        Record<string, number | boolean>
      >(`aiSre.telemetry.detectors.${detector.id}`);
      if (overrides?.enabled === false) return [];
      const debounce = overrides?.debounceSeconds;
      return [
        typeof debounce === 'number'
          ? { ...detector, debounceSeconds: debounce }
          : detector,
      ];
    });
  }

  private async startMonitor(running: Running): Promise<void> {
    const { target } = running;
    const client = new KubeClient(target.kubeConfig!);
    const metrics = this.metricsFor(running);
    const monitor = new ClusterMonitor({
      cluster: target.name,
      client,
      clock: this.options.clock,
      detectors: this.enabledDetectors(),
      settings: detector => this.settingsFor(detector),
      metrics,
      logger: this.options.logger,
      resyncSeconds: this.options.config.getOptionalNumber(
        'aiSre.telemetry.resyncSeconds',
      ),
      logCapture: {
        tailLines:
          this.options.config.getOptionalNumber(
            'aiSre.telemetry.logs.tailLines',
          ) ?? 50,
        limitBytes:
          this.options.config.getOptionalNumber(
            'aiSre.telemetry.logs.limitBytes',
          ) ?? 16_384,
      },
      emit: event => this.enqueue(event),
      emitChange: change => this.enqueueChange(change),
      knownSecrets: namespace => this.secretValues(client, namespace),
    });
    try {
      monitor.tracker.restore(
        await this.options.signals.active(target.name),
        new Map(this.options.detectors().map(d => [d.id, d])),
      );
    } catch (error) {
      this.options.logger.warn(
        `Could not restore the active signals of ${target.name}`,
        {
          error: error instanceof Error ? error.message : String(error),
        },
      );
    }
    running.monitor = monitor;
    monitor.start();
    running.scraper?.start();
    this.options.logger.info(`Watching cluster ${target.name}`);
  }

  /**
   * Values of the Secrets in a namespace, to redact exactly, only where the
   * adopter granted it (`aiSre.telemetry.secretValues.namespaces`, and the
   * RBAC to read Secrets there). Read when needed, never stored.
   */
  private async secretValues(
    client: KubeClient,
    namespace: string,
  ): Promise<string[]> {
    const granted =
      this.options.config.getOptionalStringArray(
        'aiSre.telemetry.secretValues.namespaces',
      ) ?? [];
    if (!granted.includes(namespace) && !granted.includes('*')) return [];
    const list = await client.getJson(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
    );
    const values: string[] = [];
    for (const secret of list?.items ?? []) {
      for (const encoded of Object.values<string>(secret.data ?? {})) {
        values.push(Buffer.from(encoded, 'base64').toString('utf8'));
      }
      for (const plain of Object.values<string>(secret.stringData ?? {})) {
        values.push(plain);
      }
    }
    return values;
  }

  private stopMonitor(running: Running): void {
    running.monitor?.stop();
    running.scraper?.stop();
    running.monitor = undefined;
    running.scraper = undefined;
  }

  /** Persists and publishes signal events one after another. */
  private enqueue(event: SignalEvent): void {
    this.queue = this.queue
      .then(() => this.handle(event))
      .catch(error => {
        this.options.logger.error('Could not record a signal', {
          error: error instanceof Error ? error.message : String(error),
        });
      });
  }

  /** Persists a change (mapped to entities), in order with signals. */
  private enqueueChange(change: Change): void {
    this.queue = this.queue
      .then(async () => {
        let entityRefs: string[] = [];
        if (Object.keys(change.labels).length) {
          try {
            entityRefs = (
              await this.options.resolver.resolve(
                change.labels,
                change.object.namespace,
              )
            ).map(e => e.ref);
          } catch {
            // unmapped changes stay visible
          }
        }
        await this.options.signals.insertChange({ ...change, entityRefs });
      })
      .catch(error => {
        this.options.logger.error('Could not record a change', {
          error: error instanceof Error ? error.message : String(error),
        });
      });
  }

  private async handle(event: SignalEvent): Promise<void> {
    const signal = await this.withEntities(event.signal);
    await this.options.signals.upsert(signal.signal, signal.ownerRef);
    await this.options.publish({ type: event.type, signal: signal.signal });
  }

  private async withEntities(
    signal: Signal,
  ): Promise<{ signal: Signal; ownerRef: string | null }> {
    try {
      const entities = await this.options.resolver.resolve(
        signal.labels,
        signal.object.namespace ?? signal.workload.namespace,
      );
      return {
        signal: { ...signal, entityRefs: entities.map(e => e.ref) },
        ownerRef: entities[0]?.ownerRef ?? null,
      };
    } catch (error) {
      this.options.logger.warn('Could not map a signal to catalog entities', {
        error: error instanceof Error ? error.message : String(error),
      });
      return { signal, ownerRef: null };
    }
  }

  /**
   * Records signals from outside the watches (Alertmanager): mapped to
   * entities (with the labels of the watched object when this replica has
   * it), persisted and published like detected ones.
   */
  async ingest(signals: Signal[]): Promise<void> {
    const done: Array<Promise<void>> = [];
    for (const signal of signals) {
      const placed = this.placeExternal(signal);
      done.push(
        new Promise<void>((resolve, reject) => {
          this.queue = this.queue
            .then(() =>
              this.handle({
                type: signal.status === 'active' ? 'opened' : 'resolved',
                signal: placed,
              }),
            )
            .then(resolve, reject);
        }),
      );
    }
    await Promise.all(done);
  }

  /** Owner chain and labels from the watched cache, when this replica has the object. */
  private placeExternal(signal: Signal): Signal {
    const monitor = this.clusters.get(signal.cluster)?.monitor;
    if (!monitor) return signal;
    const placement = monitor.place(signal.object);
    return {
      ...signal,
      ownerChain: placement.ownerChain,
      workload: placement.workload,
      labels: { ...signal.labels, ...placement.labels },
    };
  }

  /** Waits until every signal event so far is persisted and published. */
  async flushed(): Promise<void> {
    await this.queue;
  }
}

function metricSourceKind(
  target: ClusterTarget,
): 'prometheus' | 'scrape' | 'none' {
  if (target.metrics.prometheusUrl) return 'prometheus';
  if (target.metrics.scrapeUrl) return 'scrape';
  return 'none';
}
