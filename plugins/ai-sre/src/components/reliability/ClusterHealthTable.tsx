import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import Alert from '@material-ui/lab/Alert';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiSreApiRef, ClusterHealth } from '../../api';
import { LoadError } from '../EntityStates';
import { relativeTime } from '../format';

function forbidden(error: Error): boolean {
  return (
    (error instanceof ResponseError || error.name === 'ResponseError') &&
    (error as ResponseError).response?.status === 403
  );
}

function state(cluster: ClusterHealth): string {
  if (cluster.watchable === false) {
    return `not watchable${cluster.reason ? `: ${cluster.reason}` : ''}`;
  }
  if (!cluster.watchedHere) return 'watched by another replica';
  if (!cluster.status) return 'starting';
  return cluster.status.synced ? 'synced' : 'syncing';
}

const columns: TableColumn<ClusterHealth>[] = [
  { title: 'Cluster', field: 'name' },
  { title: 'State', render: row => state(row) },
  { title: 'Watches', render: row => row.status?.watches ?? '—' },
  { title: 'Watch errors', render: row => row.status?.errors ?? '—' },
  {
    title: 'Last event',
    render: row =>
      row.status?.lastEventAt ? relativeTime(row.status.lastEventAt) : '—',
  },
  { title: 'Active signals', render: row => row.status?.activeSignals ?? '—' },
  { title: 'Metrics', render: row => row.metrics ?? '—' },
];

/** Per-cluster connection health (`GET /clusters`). */
export function ClusterHealthTable() {
  const api = useApi(aiSreApiRef);
  const { value, error, loading, retry } = useAsyncRetry(
    () => api.listClusters(),
    [api],
  );
  if (error) {
    return forbidden(error) ? (
      <Alert severity="info" role="status">
        Cluster health is hidden: it covers every entity on a cluster, and your
        read access to AI SRE is limited to some entities (for example those you
        own). Ask for unconditional read access to see it.
      </Alert>
    ) : (
      <LoadError
        title="Could not load cluster health"
        error={error}
        retry={retry}
      />
    );
  }
  return (
    <Table
      title="Cluster connections"
      isLoading={loading && !value}
      options={{ paging: false, search: false, sorting: false }}
      columns={columns}
      data={value?.items ?? []}
      emptyContent={
        <Alert severity="info">No cluster is configured for AI SRE.</Alert>
      }
    />
  );
}
