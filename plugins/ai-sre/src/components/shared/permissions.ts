import { ResourcePermission } from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';

/** Whether the signed-in person may do something, and why not. */
export interface ActionPermission {
  allowed: boolean;
  loading: boolean;
  /** Why the action is not allowed, in plain words; absent when allowed. */
  reason?: string;
}

/**
 * A resource permission check for one action, with the reason a control is
 * disabled when it is denied.
 */
export function useActionPermission(options: {
  permission: ResourcePermission;
  resourceRef: string | undefined;
  /** The action in words, e.g. "approve plans for this entity". */
  action: string;
}): ActionPermission {
  const { permission, resourceRef, action } = options;
  const { allowed, loading } = usePermission({ permission, resourceRef });
  if (loading || allowed) {
    return { allowed, loading };
  }
  return {
    allowed: false,
    loading: false,
    reason: `You may not ${action}: the permission ${permission.name}${
      resourceRef ? ` on ${resourceRef}` : ''
    } is not granted to you${
      permission.resourceType === 'catalog-entity'
        ? ' (usually only the owners of the entity may)'
        : ''
    }.`,
  };
}

/** Both permissions are needed; the first missing one says why. */
export function allOf(...checks: ActionPermission[]): ActionPermission {
  const loading = checks.some(c => c.loading);
  const denied = checks.find(c => !c.loading && !c.allowed);
  if (denied) return { allowed: false, loading: false, reason: denied.reason };
  return { allowed: !loading, loading };
}
