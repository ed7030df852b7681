import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import {
  isMappedToKubernetes,
  LoadError,
  MissingAnnotationState,
} from './EntityStates';
import { relativeTime } from './format';
import { SeverityChip, StatusChip } from './SeverityChip';
import { useEntityIncidents } from './useEntityIncidents';

/**
 * The Root cause tab: the analysis of the entity's latest incident.
 *
 * @public
 */
export function EntityAiSreRootCauseContent() {
  const { entity, value, loading, error, retry } = useEntityIncidents();

  if (!isMappedToKubernetes(entity)) {
    return <MissingAnnotationState />;
  }
  if (loading && !value) {
    return <Progress />;
  }
  if (error) {
    return <LoadError error={error} retry={retry} />;
  }
  const latest = value?.items[0];
  if (!latest) {
    return (
      <EmptyState
        missing="data"
        title="No root cause to show"
        description={`${entity.metadata.name} has had no incidents, so there is nothing to analyse. When one opens, its ranked root causes and their evidence appear here.`}
      />
    );
  }
  return (
    <InfoCard
      title={latest.title}
      subheader={`Opened ${relativeTime(latest.openedAt)}`}
    >
      <SeverityChip severity={latest.severity} />{' '}
      <StatusChip status={latest.status} />
      <Typography variant="h6" component="h3">
        Root cause
      </Typography>
      <Typography>
        {latest.category
          ? `Category: ${latest.category}`
          : 'The root cause analysis of this incident has not finished yet.'}
      </Typography>
      {latest.summary && <Typography>{latest.summary}</Typography>}
    </InfoCard>
  );
}
