import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { aiSrePermissions } from '@internal/plugin-ai-sre-common';
import {
  AiSreDetector,
  aiSreDetectorsExtensionPoint,
} from '@internal/plugin-ai-sre-node';
import {
  createIncidentConditionFilter,
  incidentPermissionRules,
  incidentResourceRef,
} from './permissions/rules';
import { DetectorRegistry } from './registry/DetectorRegistry';
import { createRouter } from './service/router';
import { IncidentStore } from './store/IncidentStore';

/**
 * The AI SRE backend plugin.
 *
 * @public
 */
export const aiSrePlugin = createBackendPlugin({
  pluginId: 'ai-sre',
  register(env) {
    const detectors = new DetectorRegistry();
    env.registerExtensionPoint(aiSreDetectorsExtensionPoint, {
      addDetector(...added: AiSreDetector[]) {
        detectors.add(...added);
      },
    });

    env.registerInit({
      deps: {
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({
        logger,
        database,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
      }) {
        const incidents = await IncidentStore.create({ database });

        permissionsRegistry.addResourceType({
          resourceRef: incidentResourceRef,
          permissions: aiSrePermissions,
          rules: incidentPermissionRules,
          getResources: refs => incidents.getMany(refs),
        });
        permissionsRegistry.addPermissions(aiSrePermissions);

        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            permissions,
            incidents,
            incidentConditionFilter: createIncidentConditionFilter(
              permissionsRegistry.getPermissionRuleset(incidentResourceRef),
            ),
            detectors: () => detectors.list(),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
