import { stringifyEntityRef } from '@backstage/catalog-model';
import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { formatObjectRef, Signal } from '@internal/plugin-ai-sre-common';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiSreApiRef } from '../api';
import { relativeTime } from './format';
import { LoadError } from './EntityStates';

const columns: TableColumn<Signal>[] = [
  { title: 'Detector', field: 'detector' },
  { title: 'Object', render: signal => formatObjectRef(signal.object) },
  { title: 'What', field: 'message', highlight: true },
  { title: 'Seen', render: signal => `${signal.count}×` },
  { title: 'First seen', render: signal => relativeTime(signal.firstSeen) },
  { title: 'Status', field: 'status' },
];

/**
 * The raw signals telemetry detected for the entity: what was observed,
 * before (or without) being grouped into an incident.
 */
export function EntitySignals() {
  const { entity } = useEntity();
  const api = useApi(aiSreApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.listSignals({ entityRef, limit: 50 }),
    [api, entityRef],
  );
  if (error) {
    return <LoadError error={error} retry={retry} />;
  }
  if (loading && !value) {
    return null;
  }
  const signals = value?.items ?? [];
  if (signals.length === 0) {
    return (
      <Typography variant="body2">
        No signals detected on this entity's workloads.
      </Typography>
    );
  }
  return (
    <Table<Signal>
      title="Detected signals"
      subtitle="What telemetry observed on this entity's workloads"
      options={{
        paging: signals.length > 10,
        pageSize: 10,
        search: false,
        sorting: false,
      }}
      columns={columns}
      data={signals}
    />
  );
}
