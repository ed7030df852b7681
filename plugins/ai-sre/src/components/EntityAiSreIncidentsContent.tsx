import {
  EmptyState,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { Incident } from '@internal/plugin-ai-sre-common';
import {
  isMappedToKubernetes,
  LoadError,
  MissingAnnotationState,
} from './EntityStates';
import { durationBetween, relativeTime } from './format';
import { EntitySignals } from './EntitySignals';
import { SeverityChip, StatusChip } from './SeverityChip';
import { useEntityIncidents } from './useEntityIncidents';

const columns: TableColumn<Incident>[] = [
  { title: 'Incident', field: 'title', highlight: true },
  {
    title: 'Severity',
    field: 'severity',
    render: incident => <SeverityChip severity={incident.severity} />,
  },
  {
    title: 'Status',
    field: 'status',
    render: incident => <StatusChip status={incident.status} />,
  },
  {
    title: 'Root cause',
    field: 'category',
    render: incident => incident.category ?? 'under analysis',
  },
  {
    title: 'Opened',
    field: 'openedAt',
    render: incident => relativeTime(incident.openedAt),
  },
  {
    title: 'Time to detect',
    render: incident => durationBetween(incident.startedAt, incident.openedAt),
  },
  {
    title: 'Time to resolve',
    render: incident =>
      durationBetween(incident.startedAt, incident.resolvedAt),
  },
];

/**
 * The Incidents tab: open and recent incidents of the entity.
 *
 * @public
 */
export function EntityAiSreIncidentsContent() {
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
  const incidents = value?.items ?? [];
  if (incidents.length === 0) {
    return (
      <>
        <EmptyState
          missing="data"
          title="No incidents"
          description={`No incident has been recorded for ${entity.metadata.name}. Incidents appear here when a problem with its Kubernetes workloads is detected.`}
        />
        <EntitySignals />
      </>
    );
  }
  return (
    <>
      <Table<Incident>
        title="Incidents"
        options={{ paging: incidents.length > 20, pageSize: 20, search: false }}
        columns={columns}
        data={incidents}
      />
      <EntitySignals />
    </>
  );
}
