import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { aiSrePermissions } from '@internal/plugin-ai-sre-common';
import {
  AiSreAction,
  aiSreActionsExtensionPoint,
  AiSreDetector,
  AiSreFeatureFlagProvider,
  AiSreHelmReleases,
  aiSreClockServiceRef,
  aiSreDetectorsExtensionPoint,
} from '@internal/plugin-ai-sre-node';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { EntityResolver } from './catalog/EntityResolver';
import {
  createIncidentConditionFilter,
  incidentPermissionRules,
  incidentResourceRef,
} from './permissions/rules';
import { DetectorRegistry } from './registry/DetectorRegistry';
import { KubernetesClusterOps } from './execution/ClusterOps';
import { KubernetesExecutor } from './execution/KubernetesExecutor';
import { createFeatureFlagAction } from './execution/featureFlags';
import { createHelmRollbackAction, HelmSecretsHistory } from './execution/helm';
import { createRunbookAction, readRunbooks } from './execution/runbooks';
import { readPolicyConfig } from './policy';
import { ControlService } from './control/ControlService';
import { IncidentNotifier } from './control/notifier';
import { KillSwitches } from './control/KillSwitches';
import { ReliabilityInstruments } from './control/metrics';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  EntityFacts,
  IncidentChange,
  IncidentEngine,
} from './reasoning/IncidentEngine';
import type { AuditAction } from './store/ControlStore';
import { aiSreModelServiceRef } from './reasoning/model';
import { ReasoningService } from './reasoning/ReasoningService';
import { createRouter } from './service/router';
import { createStores, KnexCheckpointSaver } from './store';
import { DEFAULT_RETENTION, purge } from './store/retention';
import { builtInDetectors } from './telemetry/detectors';
import { TelemetryService } from './telemetry/TelemetryService';

/** Topic of signal events on Backstage's events service. */
export const SIGNALS_TOPIC = 'ai-sre.signals';

/** Changes the system makes on its own, recorded in the audit log. */
const SYSTEM_AUDIT: Partial<Record<IncidentChange, AuditAction>> = {
  expired: 'plan.expire',
  verified: 'execution.verify',
  'verification-failed': 'execution.auto-rollback',
};

/** Topic of incident changes (opened, updated, resolved...) on the events service. */
export const INCIDENTS_TOPIC = 'ai-sre.incidents';

/**
 * The AI SRE backend plugin.
 *
 * @public
 */
export const aiSrePlugin = createBackendPlugin({
  pluginId: 'ai-sre',
  register(env) {
    const detectors = new DetectorRegistry();
    detectors.add(...builtInDetectors);
    env.registerExtensionPoint(aiSreDetectorsExtensionPoint, {
      addDetector(...added: AiSreDetector[]) {
        detectors.add(...added);
      },
    });
    const actions: AiSreAction[] = [];
    let flags: AiSreFeatureFlagProvider | undefined;
    let helm: Partial<AiSreHelmReleases> | undefined;
    env.registerExtensionPoint(aiSreActionsExtensionPoint, {
      addAction: (...added) => actions.push(...added),
      setFeatureFlagProvider: provider => {
        if (flags) throw new Error('A feature-flag provider is set already');
        flags = provider;
      },
      setHelmReleases: releases => {
        if (helm) throw new Error('Helm release handling is set already');
        helm = releases;
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        clock: aiSreClockServiceRef,
        model: aiSreModelServiceRef,
        auditor: coreServices.auditor,
        notifications: notificationService,
        signalsService: signalsServiceRef,
      },
      async init({
        config,
        logger,
        database,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        permissionsRegistry,
        lifecycle,
        scheduler,
        catalog,
        events,
        clock,
        model,
        auditor,
        notifications,
        signalsService,
      }) {
        const stores = await createStores(database);

        permissionsRegistry.addResourceType({
          resourceRef: incidentResourceRef,
          permissions: aiSrePermissions,
          rules: incidentPermissionRules,
          getResources: refs => stores.incidents.getMany(refs),
        });
        permissionsRegistry.addPermissions(aiSrePermissions);

        const resolver = new EntityResolver({
          now: () => clock.now(),
          fetchEntities: async () => {
            const { items } = await catalog.getEntities(
              {
                filter: [
                  {
                    'metadata.annotations.backstage.io/kubernetes-id':
                      CATALOG_FILTER_EXISTS,
                  },
                  {
                    'metadata.annotations.backstage.io/kubernetes-label-selector':
                      CATALOG_FILTER_EXISTS,
                  },
                  { kind: 'API' },
                ],
              },
              { credentials: await auth.getOwnServiceCredentials() },
            );
            return items;
          },
        });

        const telemetry = new TelemetryService({
          config,
          logger,
          clock,
          detectors: () => detectors.all(),
          signals: stores.signals,
          leases: stores.leases,
          resolver,
          holder: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
          publish: async event => {
            await events.publish({ topic: SIGNALS_TOPIC, eventPayload: event });
          },
        });
        lifecycle.addStartupHook(() => telemetry.start());

        const instruments = new ReliabilityInstruments();
        const webhookUrl = config.getOptionalString(
          'aiSre.notifications.webhook.url',
        );
        const notifier = new IncidentNotifier({
          logger,
          notifications:
            config.getOptionalBoolean('aiSre.notifications.enabled') === false
              ? undefined
              : notifications,
          signals: signalsService,
          webhook: webhookUrl
            ? {
                url: webhookUrl,
                secret: config.getString('aiSre.notifications.webhook.secret'),
              }
            : undefined,
        });

        // The reasoning workflow: one checkpointed thread per incident.
        const policy = readPolicyConfig(config.getOptional('aiSre.policy'));
        // Owner, system and lifecycle of an entity (incident refs are
        // lower-cased, catalog refs may not be).
        const entityFacts = async (
          ref: string,
        ): Promise<EntityFacts | undefined> => {
          const wanted = ref.toLocaleLowerCase('en-US');
          const info =
            (await resolver.info(ref)) ??
            resolver
              .mapped()
              .find(e => e.ref.toLocaleLowerCase('en-US') === wanted);
          return info
            ? {
                ownerRef: info.ownerRef,
                systemRef: info.systemRef,
                lifecycle: info.lifecycle,
              }
            : undefined;
        };
        const killSwitches = new KillSwitches({
          control: stores.control,
          incidents: stores.incidents,
          policy,
        });
        // The only way anything reaches a cluster.
        const kubeConfigFor = (cluster: string) =>
          telemetry.targets().find(t => t.name === cluster)?.kubeConfig;
        const runbooks = readRunbooks(config);
        const executor = new KubernetesExecutor({
          actions: [
            ...actions,
            ...(flags ? [createFeatureFlagAction(flags)] : []),
            createHelmRollbackAction({
              history: (...args) =>
                helm?.history
                  ? helm.history(...args)
                  : new HelmSecretsHistory({ kubeConfigFor }).history(...args),
              ...(helm?.rollback
                ? { rollback: (...args) => helm!.rollback!(...args) }
                : {}),
            }),
            ...(runbooks.length
              ? [createRunbookAction({ runbooks, kubeConfigFor })]
              : []),
          ],
          executions: stores.executions,
          allowGitOpsPatch: policy.gitops.allowDirectPatch,
          now: () => clock.now(),
          logger: logger.child({ component: 'execution' }),
          opsFor: cluster => {
            const target = telemetry.targets().find(t => t.name === cluster);
            if (!target?.kubeConfig) return undefined;
            return new KubernetesClusterOps({
              kubeConfig: target.kubeConfig,
              cluster,
              now: () => clock.now(),
              changes: (name, objectRef) =>
                stores.signals.listChanges({
                  cluster: name,
                  objectRefs: [objectRef],
                  limit: 1,
                }),
            });
          },
          killSwitch: incidentId => killSwitches.stopped(incidentId),
        });
        const engine = new IncidentEngine({
          executor,
          incidents: stores.incidents,
          checkpointer: new KnexCheckpointSaver(await database.getClient()),
          policy,
          clock,
          enricher: model.enricher,
          logger: logger.child({ component: 'reasoning' }),
          entityFacts,
          reopenWithinMs:
            (config.getOptionalNumber('aiSre.reasoning.reopenWithinMinutes') ??
              30) * 60_000,
          resolveAfterMs:
            (config.getOptionalNumber('aiSre.reasoning.resolveAfterSeconds') ??
              120) * 1000,
          runtime: async (_incidentId, entityRef) => {
            const switches = await killSwitches.state();
            const info = entityRef ? await entityFacts(entityRef) : undefined;
            return {
              killSwitch: {
                global: switches.global.enabled,
                entityRefs: switches.entities.map(e => e.entityRef),
              },
              actionsForEntityLastHour: 0,
              attemptsForIncident: 0,
              entity: entityRef
                ? {
                    ref: entityRef,
                    lifecycle: info?.lifecycle ?? null,
                    ownerRef: info?.ownerRef ?? null,
                  }
                : null,
            };
          },
          approval: {
            expiresAfterMs: policy.approval.expiresAfterMinutes * 60_000,
            escalateAfterMs: policy.approval.escalateTo
              ? (policy.approval.escalateAfterMinutes ??
                  policy.approval.expiresAfterMinutes / 2) * 60_000
              : undefined,
          },
          verifyWithinMs:
            (config.getOptionalNumber('aiSre.reasoning.verifyWithinSeconds') ??
              300) * 1000,
          onIncidentChanged: (incidentId, change, detail) => {
            stores.incidents
              .get(incidentId)
              .then(async incident => {
                if (!incident) return;
                const audited = SYSTEM_AUDIT[change];
                if (audited) {
                  await stores.control.audit({
                    at: clock.now(),
                    actor: 'ai-sre',
                    action: audited,
                    incidentId,
                    entityRef: incident.entityRef,
                    executionId: null,
                    outcome: change === 'verified' ? 'succeeded' : 'failed',
                    details: detail ? { reason: detail } : {},
                  });
                }
                instruments.incidentChanged(incident, change);
                if (change === 'executed') {
                  const work = await stores.incidents.getWork(incidentId);
                  const status = (
                    work?.analysis as { execution?: { status?: string } }
                  )?.execution?.status;
                  if (status) instruments.executed(status, incident);
                }
                await notifier.incidentChanged(
                  incident,
                  change,
                  detail,
                  change === 'escalated' && policy.approval.escalateTo
                    ? [policy.approval.escalateTo]
                    : undefined,
                );
              })
              .catch(error =>
                logger.warn('Could not notify about an incident', {
                  error: error instanceof Error ? error.message : String(error),
                }),
              );
            events
              .publish({
                topic: INCIDENTS_TOPIC,
                eventPayload: { incidentId, change },
              })
              .catch(error =>
                logger.warn('Could not publish an incident change', {
                  error: error instanceof Error ? error.message : String(error),
                }),
              );
          },
        });
        const control: ControlService = new ControlService({
          incidents: stores.incidents,
          executions: stores.executions,
          control: stores.control,
          engine,
          executor,
          policy,
          now: () => clock.now(),
          logger,
          auditor,
          entityFacts,
          onStatusChanged: (incident, change) =>
            instruments.incidentChanged(incident, change),
        });
        // Retention: one replica purges at a time.
        const retention = {
          incidentsDays:
            config.getOptionalNumber('aiSre.retention.incidentsDays') ??
            DEFAULT_RETENTION.incidentsDays,
          signalsDays:
            config.getOptionalNumber('aiSre.retention.signalsDays') ??
            DEFAULT_RETENTION.signalsDays,
          logSnapshotsDays:
            config.getOptionalNumber('aiSre.retention.logSnapshotsDays') ??
            DEFAULT_RETENTION.logSnapshotsDays,
        };
        const purgeClient = await database.getClient();
        await scheduler.scheduleTask({
          id: 'ai-sre-retention',
          scope: 'global',
          frequency: { hours: 6 },
          initialDelay: { minutes: 5 },
          timeout: { minutes: 30 },
          fn: async () => {
            const purged = await purge({
              db: purgeClient,
              checkpointer: new KnexCheckpointSaver(purgeClient),
              config: retention,
              now: clock.now(),
            });
            logger.info('Retention purge done', { ...purged });
          },
        });

        const reasoning = new ReasoningService({
          engine,
          signals: stores.signals,
          clock,
          logger,
          clusters: () =>
            telemetry
              .health()
              .filter(c => c.watchedHere)
              .map(c => c.name),
          dependencies: () => telemetry.dependencies(),
          entities: () => resolver.mapped(),
          intervalMs:
            (config.getOptionalNumber('aiSre.reasoning.intervalSeconds') ??
              15) * 1000,
        });
        lifecycle.addStartupHook(() => reasoning.start());
        lifecycle.addShutdownHook(async () => {
          await reasoning.stop();
          await telemetry.stop();
        });

        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            permissions,
            incidents: stores.incidents,
            signals: stores.signals,
            incidentConditionFilter: createIncidentConditionFilter(
              permissionsRegistry.getPermissionRuleset(incidentResourceRef),
            ),
            detectors: () => detectors.list(),
            clusters: () => telemetry.health(),
            dependencies: () => telemetry.dependencies(),
            control: {
              executions: stores.executions,
              controlStore: stores.control,
              control,
              policy,
            },
            ingest: signals => telemetry.ingest(signals),
            alertmanagerSecret: config.getOptionalString(
              'aiSre.alertmanager.sharedSecret',
            ),
            now: () => clock.now(),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Alertmanager authenticates with the shared secret instead.
        httpRouter.addAuthPolicy({
          path: '/alerts/alertmanager',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
