import { UserInfoService } from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  aiSreExecutionPermission,
  aiSrePlanApprovePermission,
} from '@internal/plugin-ai-sre-common';

/**
 * The demo's permission policy: everyone may read and browse; approving an
 * AI SRE plan and executing it are allowed only to the owners of the entity
 * the incident belongs to (the user or one of their groups).
 */
export class DemoPermissionPolicy implements PermissionPolicy {
  constructor(private readonly userInfo: UserInfoService) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    if (
      isResourcePermission(permission, 'catalog-entity') &&
      (isPermission(permission, aiSrePlanApprovePermission) ||
        isPermission(permission, aiSreExecutionPermission))
    ) {
      if (!user) {
        return { result: AuthorizeResult.DENY };
      }
      const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
        user.credentials,
      );
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}
