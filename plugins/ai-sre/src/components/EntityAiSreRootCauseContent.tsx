import { EmptyState, Progress } from '@backstage/core-components';
import { useEntityIncidents } from '../hooks/useEntityIncidents';
import { useIncidentDetails } from '../hooks/useIncidentDetails';
import {
  isMappedToKubernetes,
  LoadError,
  MissingAnnotationState,
} from './EntityStates';
import { RootCauseView } from './rootcause/RootCauseView';
import { IncidentPicker } from './shared/IncidentPicker';
import { useSelectedIncident } from './shared/useSelectedIncident';

function RootCauseOf(props: { id: string }) {
  const { value, loading, error, retry } = useIncidentDetails(props.id);
  if (loading && !value) return <Progress />;
  if (error) return <LoadError error={error} retry={retry} />;
  if (!value) return null;
  return <RootCauseView data={value} onChanged={retry} />;
}

/**
 * The Root cause tab: ranked hypotheses of the entity's latest (or the
 * selected) incident with their evidence, and the agent trace.
 *
 * @public
 */
export function EntityAiSreRootCauseContent() {
  const { entity, value, loading, error, retry } = useEntityIncidents();
  const { selected, select } = useSelectedIncident();

  if (!isMappedToKubernetes(entity)) {
    return <MissingAnnotationState />;
  }
  if (loading && !value) {
    return <Progress />;
  }
  if (error) {
    return <LoadError error={error} retry={retry} />;
  }
  const incidents = value?.items ?? [];
  const current = selected ?? incidents[0]?.id;
  if (!current) {
    return (
      <EmptyState
        missing="data"
        title="No root cause to show"
        description={`${entity.metadata.name} has had no incidents, so there is nothing to analyse. When one opens, its ranked root causes and their evidence appear here.`}
      />
    );
  }
  return (
    <>
      {incidents.length > 0 && (
        <IncidentPicker
          incidents={incidents}
          selected={current}
          onSelect={select}
        />
      )}
      <RootCauseOf key={current} id={current} />
    </>
  );
}
