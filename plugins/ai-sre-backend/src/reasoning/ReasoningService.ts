/**
 * Runs the incident engine inside the backend: every few seconds (of the
 * injected clock) it reasons about the active signals of each cluster this
 * replica watches (so exactly one replica reasons about a cluster, the one
 * holding its lease), with the recent changes, the dependency graph and
 * the catalog's entity facts as context. On start it resumes every
 * workflow thread a previous process left unfinished.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { AiSreClock } from '@internal/plugin-ai-sre-node';
import type { EntityInfo } from '../catalog/EntityResolver';
import type { SignalStore } from '../store/SignalStore';
import type { IncidentEngine } from './IncidentEngine';
import type { DependencyLink, ReasoningContext } from './types';

export interface ReasoningServiceOptions {
  engine: IncidentEngine;
  signals: SignalStore;
  clock: AiSreClock;
  logger: LoggerService;
  /** Clusters whose watch (and so whose reasoning) this replica holds. */
  clusters(): string[];
  dependencies(): Promise<DependencyLink[]>;
  entities(): EntityInfo[];
  /** Simulated or wall ms between evaluations; default 15 s. */
  intervalMs?: number;
  /** How far back changes are considered as causes; default 6 h. */
  changesWindowMs?: number;
}

export class ReasoningService {
  private timer?: { cancel(): void };
  private stopped = true;
  private running?: Promise<void>;

  constructor(private readonly options: ReasoningServiceOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    try {
      const resumed = await this.options.engine.resume();
      if (resumed) {
        this.options.logger.info(
          `Resumed ${resumed} incident workflow(s) left unfinished by a previous process`,
        );
      }
    } catch (error) {
      this.options.logger.error('Could not resume incident workflows', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.running = this.evaluateAll().finally(() => this.schedule());
    }, this.options.intervalMs ?? 15_000);
  }

  /** The context the agents reason in, for one cluster. */
  async context(cluster: string): Promise<ReasoningContext> {
    const now = this.options.clock.now();
    const [changes, dependencies] = await Promise.all([
      this.options.signals.listChanges({
        cluster,
        since: now - (this.options.changesWindowMs ?? 6 * 3600_000),
        limit: 2000,
      }),
      this.options.dependencies(),
    ]);
    return {
      now,
      changes,
      dependencies: dependencies.filter(d => d.cluster === cluster),
      entities: Object.fromEntries(
        this.options.entities().map(e => [
          e.ref,
          {
            ownerRef: e.ownerRef,
            lifecycle: e.lifecycle,
            dependsOn: e.dependsOn,
          },
        ]),
      ),
    };
  }

  /** One evaluation of every cluster watched here. */
  async evaluateAll(): Promise<void> {
    for (const cluster of this.options.clusters()) {
      if (this.stopped) return;
      try {
        const [signals, context] = await Promise.all([
          this.options.signals.active(cluster),
          this.context(cluster),
        ]);
        await this.options.engine.evaluate(cluster, signals, context);
      } catch (error) {
        this.options.logger.error('Reasoning about a cluster failed', {
          cluster,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
