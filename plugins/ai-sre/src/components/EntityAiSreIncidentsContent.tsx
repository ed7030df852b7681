import {
  EmptyState,
  Link,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { Incident } from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { useEntityIncidents } from '../hooks/useEntityIncidents';
import { useIncidentDetails } from '../hooks/useIncidentDetails';
import {
  isMappedToKubernetes,
  LoadError,
  MissingAnnotationState,
} from './EntityStates';
import { EntitySignals } from './EntitySignals';
import { durationBetween, relativeTime } from './format';
import { IncidentView } from './incident/IncidentView';
import { SeverityChip, StatusChip } from './SeverityChip';
import { useSelectedIncident } from './shared/useSelectedIncident';

const CLOSED = ['resolved', 'false-positive'];

function incidentColumns(
  hrefFor: (id: string) => string,
): TableColumn<Incident>[] {
  return [
    {
      title: 'Incident',
      field: 'title',
      highlight: true,
      render: incident => (
        <Link to={hrefFor(incident.id)}>{incident.title}</Link>
      ),
    },
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
      render: incident =>
        durationBetween(incident.startedAt, incident.openedAt),
    },
    {
      title: 'Time to resolve',
      render: incident =>
        durationBetween(incident.startedAt, incident.resolvedAt),
    },
  ];
}

function SelectedIncident(props: { id: string; onBack: () => void }) {
  const { value, loading, error, retry, live } = useIncidentDetails(props.id);
  return (
    <>
      <Box mb={2}>
        <Button variant="outlined" onClick={props.onBack}>
          Back to all incidents
        </Button>
      </Box>
      {loading && !value && <Progress />}
      {error && <LoadError error={error} retry={retry} />}
      {value && <IncidentView data={value} onChanged={retry} live={live} />}
    </>
  );
}

/**
 * The Incidents tab: open and recent incidents of the entity; selecting one
 * shows its timeline, evidence and postmortem export.
 *
 * @public
 */
export function EntityAiSreIncidentsContent() {
  const { entity, value, loading, error, retry } = useEntityIncidents();
  const { selected, select, hrefFor } = useSelectedIncident();

  if (!isMappedToKubernetes(entity)) {
    return <MissingAnnotationState />;
  }
  if (selected) {
    return <SelectedIncident id={selected} onBack={() => select(undefined)} />;
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
  const columns = incidentColumns(hrefFor);
  const open = incidents.filter(i => !CLOSED.includes(i.status));
  const closed = incidents.filter(i => CLOSED.includes(i.status));
  return (
    <>
      <Box mb={3}>
        <Table<Incident>
          title="Open incidents"
          options={{
            paging: open.length > 20,
            pageSize: 20,
            search: false,
            sorting: false,
          }}
          columns={columns}
          data={open}
          emptyContent={
            <Box p={2}>
              No open incident: {entity.metadata.name} looks healthy.
            </Box>
          }
        />
      </Box>
      {closed.length > 0 && (
        <Box mb={3}>
          <Table<Incident>
            title="Recent incidents"
            subtitle="Resolved or closed as false positives"
            options={{
              paging: closed.length > 20,
              pageSize: 20,
              search: false,
              sorting: false,
            }}
            columns={columns}
            data={closed}
          />
        </Box>
      )}
      <EntitySignals />
    </>
  );
}
