import {
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  ROOT_CAUSE_CATEGORIES,
} from '@internal/plugin-ai-sre-common';
import Button from '@material-ui/core/Button';
import FormControl from '@material-ui/core/FormControl';
import Grid from '@material-ui/core/Grid';
import InputLabel from '@material-ui/core/InputLabel';
import NativeSelect from '@material-ui/core/NativeSelect';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { useEffect, useId, useState } from 'react';
import { useLabelClass } from '../shared/styles';
import { CatalogOptions } from './useCatalogOptions';
import {
  EMPTY_FILTERS,
  hasFilters,
  IncidentFilters,
  TIME_RANGES,
  TimeRange,
} from './filters';

type ListKey = keyof Pick<
  IncidentFilters,
  | 'entity'
  | 'owner'
  | 'system'
  | 'namespace'
  | 'cluster'
  | 'severity'
  | 'status'
  | 'category'
>;

function MultiPicker(props: {
  label: string;
  options: readonly string[];
  value: string[];
  onChange: (value: string[]) => void;
  freeSolo?: boolean;
}) {
  return (
    <Autocomplete<string, true, false, boolean>
      multiple
      freeSolo={props.freeSolo}
      size="small"
      options={[...props.options]}
      value={props.value}
      onChange={(_event, value) => props.onChange(value as string[])}
      renderInput={params => (
        <TextField {...params} variant="outlined" label={props.label} />
      )}
    />
  );
}

/**
 * The incident search filters: catalog-scoped owner, system and entity,
 * namespace, cluster, severity, status, category, time range and text.
 */
export function FilterBar(props: {
  filters: IncidentFilters;
  onChange: (filters: IncidentFilters, options?: { replace?: boolean }) => void;
  catalog: CatalogOptions;
  /** Namespaces and clusters seen in the results, offered as choices. */
  seen: { namespaces: string[]; clusters: string[] };
}) {
  const { filters, onChange, catalog, seen } = props;
  const rangeId = useId();
  const labelClass = useLabelClass();
  const textId = useId();
  const fromId = useId();
  const toId = useId();
  const [text, setText] = useState(filters.q);
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === filters.q) return undefined;
    const timer = setTimeout(
      () => onChange({ ...filters, q: text }, { replace: true }),
      300,
    );
    return () => clearTimeout(timer);
  }, [text, filters, onChange]);

  const set = (key: ListKey) => (value: string[]) =>
    onChange({ ...filters, [key]: value });

  return (
    <Grid
      container
      spacing={2}
      component="form"
      role="search"
      aria-label="Incident filters"
      onSubmit={e => e.preventDefault()}
    >
      <Grid item xs={12} md={6}>
        <TextField
          id={textId}
          fullWidth
          size="small"
          variant="outlined"
          type="search"
          label="Search titles and summaries"
          value={text}
          onChange={event => setText(event.target.value)}
        />
      </Grid>
      <Grid item xs={12} sm={6} md={3}>
        <FormControl fullWidth size="small">
          <InputLabel htmlFor={rangeId} shrink className={labelClass}>
            Opened
          </InputLabel>
          <NativeSelect
            id={rangeId}
            value={filters.range}
            onChange={event =>
              onChange({ ...filters, range: event.target.value as TimeRange })
            }
          >
            {Object.entries(TIME_RANGES).map(([key, { label }]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </NativeSelect>
        </FormControl>
      </Grid>
      <Grid item xs={12} sm={6} md={3}>
        <Button
          variant="outlined"
          disabled={!hasFilters(filters)}
          onClick={() => onChange(EMPTY_FILTERS)}
        >
          Clear filters
        </Button>
      </Grid>
      {filters.range === 'custom' && (
        <>
          <Grid item xs={12} sm={6} md={3}>
            <TextField
              id={fromId}
              fullWidth
              size="small"
              type="datetime-local"
              label="From"
              InputLabelProps={{ shrink: true }}
              value={filters.from}
              onChange={event =>
                onChange({ ...filters, from: event.target.value })
              }
            />
          </Grid>
          <Grid item xs={12} sm={6} md={3}>
            <TextField
              id={toId}
              fullWidth
              size="small"
              type="datetime-local"
              label="To"
              InputLabelProps={{ shrink: true }}
              value={filters.to}
              onChange={event =>
                onChange({ ...filters, to: event.target.value })
              }
            />
          </Grid>
        </>
      )}
      <Grid item xs={12} sm={6} md={4}>
        <MultiPicker
          label="Owner"
          options={catalog.owners}
          value={filters.owner}
          onChange={set('owner')}
        />
      </Grid>
      <Grid item xs={12} sm={6} md={4}>
        <MultiPicker
          label="System"
          options={catalog.systems}
          value={filters.system}
          onChange={set('system')}
        />
      </Grid>
      <Grid item xs={12} sm={6} md={4}>
        <MultiPicker
          label="Entity"
          options={catalog.entities}
          value={filters.entity}
          onChange={set('entity')}
        />
      </Grid>
      <Grid item xs={12} sm={6} md={3}>
        <MultiPicker
          label="Namespace"
          options={seen.namespaces}
          value={filters.namespace}
          onChange={set('namespace')}
          freeSolo
        />
      </Grid>
      <Grid item xs={12} sm={6} md={3}>
        <MultiPicker
          label="Cluster"
          options={seen.clusters}
          value={filters.cluster}
          onChange={set('cluster')}
          freeSolo
        />
      </Grid>
      <Grid item xs={12} sm={4} md={2}>
        <MultiPicker
          label="Severity"
          options={INCIDENT_SEVERITIES}
          value={filters.severity}
          onChange={set('severity')}
        />
      </Grid>
      <Grid item xs={12} sm={4} md={2}>
        <MultiPicker
          label="Status"
          options={INCIDENT_STATUSES}
          value={filters.status}
          onChange={set('status')}
        />
      </Grid>
      <Grid item xs={12} sm={4} md={2}>
        <MultiPicker
          label="Category"
          options={ROOT_CAUSE_CATEGORIES}
          value={filters.category}
          onChange={set('category')}
        />
      </Grid>
    </Grid>
  );
}
