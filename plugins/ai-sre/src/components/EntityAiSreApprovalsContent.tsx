import { EmptyState, Progress } from '@backstage/core-components';
import {
  isMappedToKubernetes,
  LoadError,
  MissingAnnotationState,
} from './EntityStates';
import { useEntityIncidents } from './useEntityIncidents';

/**
 * The Approvals tab: fix plans of the entity's open incidents waiting for a
 * decision.
 *
 * @public
 */
export function EntityAiSreApprovalsContent() {
  const { entity, value, loading, error, retry } = useEntityIncidents({
    status: ['open', 'acknowledged', 'mitigating'],
  });

  if (!isMappedToKubernetes(entity)) {
    return <MissingAnnotationState />;
  }
  if (loading && !value) {
    return <Progress />;
  }
  if (error) {
    return <LoadError error={error} retry={retry} />;
  }
  const open = value?.items.length ?? 0;
  return (
    <EmptyState
      missing="data"
      title="No pending approvals"
      description={
        open === 0
          ? `${entity.metadata.name} has no open incidents, so no fix is waiting for a decision.`
          : `${entity.metadata.name} has ${open} open incident${
              open === 1 ? '' : 's'
            }, and none of them has a fix plan waiting for approval.`
      }
    />
  );
}
