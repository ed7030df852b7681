import { Link, Table, TableColumn } from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useAppSearchParams } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Incident } from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { useCallback, useEffect, useMemo, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { aiSreApiRef } from '../../api';
import { useIncidentSignal } from '../../hooks/useIncidentSignal';
import { incidentRouteRef } from '../../routes';
import { LoadError } from '../EntityStates';
import { SeverityChip, StatusChip } from '../SeverityChip';
import { durationBetween, relativeTime } from '../format';
import { ActionError } from '../shared/ActionError';
import { FilterBar } from './FilterBar';
import {
  filtersToParams,
  filtersToRequest,
  IncidentFilters,
  parseFilters,
} from './filters';
import { useCatalogOptions } from './useCatalogOptions';

const PAGE_SIZE = 50;

/**
 * The incident search: filters kept in the URL, results from
 * `GET /incidents`, refreshed live, with more pages on request.
 */
export function IncidentSearch() {
  const api = useApi(aiSreApiRef);
  const incidentLink = useRouteRef(incidentRouteRef);
  const [params, setParams] = useAppSearchParams();
  const search = params.toString();
  const filters = useMemo(
    () => parseFilters(new URLSearchParams(search)),
    [search],
  );
  const setFilters = useCallback(
    (next: IncidentFilters, options?: { replace?: boolean }) =>
      setParams(filtersToParams(next), options),
    [setParams],
  );
  const catalog = useCatalogOptions();

  const first = useAsyncRetry(
    () => api.listIncidents({ ...filtersToRequest(filters), limit: PAGE_SIZE }),
    [api, filters],
  );
  useIncidentSignal(() => true, first.retry);
  const [more, setMore] = useState<{ items: Incident[]; cursor?: string }>({
    items: [],
  });
  useEffect(() => setMore({ items: [] }), [first.value]);
  const [next, loadMore] = useAsyncFn(async () => {
    const cursor = more.cursor ?? first.value?.nextCursor;
    if (!cursor) return;
    const page = await api.listIncidents({
      ...filtersToRequest(filters),
      limit: PAGE_SIZE,
      cursor,
    });
    setMore(previous => ({
      items: [...previous.items, ...page.items],
      cursor: page.nextCursor ?? '',
    }));
  }, [api, filters, more.cursor, first.value]);

  const incidents = useMemo(
    () => [...(first.value?.items ?? []), ...more.items],
    [first.value, more.items],
  );
  const hasMore =
    more.cursor === undefined
      ? Boolean(first.value?.nextCursor)
      : Boolean(more.cursor);
  const seen = useMemo(
    () => ({
      namespaces: [
        ...new Set(incidents.flatMap(i => (i.namespace ? [i.namespace] : []))),
      ].sort(),
      clusters: [...new Set(incidents.map(i => i.cluster))].sort(),
    }),
    [incidents],
  );

  const columns: TableColumn<Incident>[] = [
    {
      title: 'Incident',
      field: 'title',
      highlight: true,
      render: incident => (
        <Link to={incidentLink({ id: incident.id })}>{incident.title}</Link>
      ),
    },
    {
      title: 'Entity',
      field: 'entityRef',
      render: incident =>
        incident.entityRef ? (
          <EntityRefLink entityRef={incident.entityRef} />
        ) : (
          '—'
        ),
    },
    {
      title: 'Owner',
      field: 'ownerRef',
      render: incident =>
        incident.ownerRef ? (
          <EntityRefLink entityRef={incident.ownerRef} />
        ) : (
          '—'
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
      title: 'Category',
      field: 'category',
      render: incident => incident.category ?? 'under analysis',
    },
    {
      title: 'Where',
      render: incident =>
        `${incident.cluster}${
          incident.namespace ? `/${incident.namespace}` : ''
        }`,
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

  return (
    <>
      <Paper style={{ padding: 16, marginBottom: 24 }}>
        <FilterBar
          filters={filters}
          onChange={setFilters}
          catalog={catalog}
          seen={seen}
        />
      </Paper>
      {first.error ? (
        <LoadError error={first.error} retry={first.retry} />
      ) : (
        <Table<Incident>
          title="Incidents"
          subtitle={
            first.value
              ? `${incidents.length}${hasMore ? '+' : ''} matching`
              : undefined
          }
          isLoading={first.loading && !first.value}
          options={{
            paging: false,
            search: false,
            sorting: false,
            padding: 'dense',
          }}
          columns={columns}
          data={incidents}
          emptyContent={
            <Box p={2}>
              <Typography>No incident matches these filters.</Typography>
            </Box>
          }
        />
      )}
      <ActionError error={next.error} />
      {hasMore && (
        <Box mt={2}>
          <Button
            variant="outlined"
            onClick={() => loadMore()}
            disabled={next.loading}
          >
            Load more
          </Button>
        </Box>
      )}
    </>
  );
}
