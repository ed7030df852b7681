import { Entity } from '@backstage/catalog-model';
import { EmptyState, ResponseErrorPanel } from '@backstage/core-components';
import {
  hasKubernetesAnnotation,
  KUBERNETES_ID_ANNOTATION,
} from '@internal/plugin-ai-sre-common';
import Button from '@material-ui/core/Button';

/** Shown instead of a tab's content when the entity has no Kubernetes mapping. */
export function MissingAnnotationState() {
  return (
    <EmptyState
      missing="field"
      title="No Kubernetes annotation on this entity"
      description={`AI SRE finds an entity's workloads the way the Kubernetes plugin does: add the annotation ${KUBERNETES_ID_ANNOTATION} (or backstage.io/kubernetes-label-selector) to this entity's catalog-info.yaml and label its workloads to match.`}
    />
  );
}

export function isMappedToKubernetes(entity: Entity): boolean {
  return hasKubernetesAnnotation(entity);
}

/** An error from the backend, with a way to try again. */
export function LoadError(props: {
  error: Error;
  retry: () => void;
  title?: string;
}) {
  return (
    <>
      <ResponseErrorPanel
        error={props.error}
        title={props.title ?? 'Could not load incidents'}
      />
      <Button variant="outlined" onClick={props.retry}>
        Try again
      </Button>
    </>
  );
}
