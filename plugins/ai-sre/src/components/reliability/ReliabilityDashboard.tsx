import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useAppSearchParams } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Incident } from '@internal/plugin-ai-sre-common';
import FormControl from '@material-ui/core/FormControl';
import Grid from '@material-ui/core/Grid';
import InputLabel from '@material-ui/core/InputLabel';
import NativeSelect from '@material-ui/core/NativeSelect';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { DateTime } from 'luxon';
import { ReactNode, useId, useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiSreApiRef, MetricsGroupBy, MetricsRow } from '../../api';
import { LoadError } from '../EntityStates';
import { CardTitle, useLabelClass } from '../shared/styles';
import { formatDuration, percent } from '../format';
import {
  Bucket,
  GroupBy,
  incidentsByCategory,
  reliabilityStats,
  ReliabilityStats,
  statsOverTime,
} from './reliability';
import { ClusterHealthTable } from './ClusterHealthTable';
import { KillSwitchPanel } from './KillSwitchPanel';

/** Most incidents the dashboard reads (pages of 200). */
export const MAX_DASHBOARD_INCIDENTS = 1000;

const RANGES = { '7d': 7, '30d': 30, '90d': 90 } as const;
type Range = keyof typeof RANGES;

const minutes = (ms: number | undefined) =>
  ms === undefined ? null : Math.round((ms / 60_000) * 10) / 10;
const showMs = (ms: number | undefined) =>
  ms === undefined ? '—' : formatDuration(ms);
const showRate = (rate: number | undefined) =>
  rate === undefined ? '—' : percent(rate);
const showSeconds = (seconds: number | null) =>
  seconds === null ? '—' : formatDuration(seconds * 1000);
const UNGROUPED = new Set(['(unknown)', '(unowned)', '(none)']);
const shortRef = (ref: string) => ref.replace(/^[^:]+:(default\/)?/, '');

function Select<T extends string>(props: {
  label: string;
  value: T;
  options: Array<[T, string]>;
  onChange: (value: T) => void;
}) {
  const id = useId();
  const labelClass = useLabelClass();
  return (
    <FormControl style={{ minWidth: 180, marginRight: 16 }}>
      <InputLabel htmlFor={id} shrink className={labelClass}>
        {props.label}
      </InputLabel>
      <NativeSelect
        id={id}
        value={props.value}
        onChange={event => props.onChange(event.target.value as T)}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </NativeSelect>
    </FormControl>
  );
}

function Figure(props: {
  title: string;
  summary: string;
  children: ReactNode;
}) {
  return (
    <figure style={{ margin: 0, overflowX: 'auto' }}>
      <div role="img" aria-label={`${props.title}: ${props.summary}`}>
        {props.children}
      </div>
      <Typography component="figcaption" variant="caption">
        {props.summary}
      </Typography>
    </figure>
  );
}

/** A card with one horizontal bar per row, or a note when there are none. */
function HorizontalBars(props: {
  title: string;
  data: Array<Record<string, any>>;
  labelKey: string;
  valueKey: string;
  summary: (row: any) => string;
  width: number;
  labelWidth: number;
  color: string;
  xAxis: { allowDecimals?: boolean; domain?: [number, number]; unit?: string };
}) {
  return (
    <InfoCard title={<CardTitle>{props.title}</CardTitle>}>
      {props.data.length ? (
        <Figure
          title={props.title}
          summary={props.data.map(props.summary).join(', ')}
        >
          <BarChart
            width={props.width}
            height={Math.max(120, props.data.length * 32)}
            data={props.data}
            layout="vertical"
            accessibilityLayer={false}
          >
            <XAxis type="number" {...props.xAxis} />
            <YAxis
              type="category"
              dataKey={props.labelKey}
              width={props.labelWidth}
            />
            <Tooltip />
            <Bar
              dataKey={props.valueKey}
              fill={props.color}
              isAnimationActive={false}
            />
          </BarChart>
        </Figure>
      ) : (
        <Typography>No incidents in this range.</Typography>
      )}
    </InfoCard>
  );
}

function Tile(props: { label: string; value: string; detail: string }) {
  return (
    <InfoCard title={<CardTitle>{props.label}</CardTitle>}>
      <Typography variant="h4" component="p">
        {props.value}
      </Typography>
      <Typography variant="caption">{props.detail}</Typography>
    </InfoCard>
  );
}

async function loadIncidents(
  list: (
    cursor?: string,
  ) => Promise<{ items: Incident[]; nextCursor?: string }>,
): Promise<{ items: Incident[]; truncated: boolean }> {
  const items: Incident[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < MAX_DASHBOARD_INCIDENTS);
  return { items, truncated: Boolean(cursor) };
}

/**
 * MTTD, MTTA, MTTR, the false-positive rate and execution outcomes per
 * entity, owner and detector (from `GET /metrics`); totals, the trend over
 * time and incidents by root-cause category (computed in the browser from
 * the incident list, as the route has no time series); the kill-switches;
 * per-cluster connection health.
 */
export function ReliabilityDashboard() {
  const api = useApi(aiSreApiRef);
  const [params, setParams] = useAppSearchParams();
  const range = (params.get('range') ?? '30d') as Range;
  const days = RANGES[range] ?? 30;
  const groupBy: GroupBy = params.get('group') === 'owner' ? 'owner' : 'entity';
  const bucket: Bucket = params.get('bucket') === 'week' ? 'week' : 'day';
  const update = (key: string, value: string) =>
    setParams(previous => {
      const next = new URLSearchParams(previous);
      next.set(key, value);
      return next;
    });

  const { value, loading, error, retry } = useAsyncRetry(
    () =>
      loadIncidents(cursor =>
        api.listIncidents({
          from: DateTime.now().minus({ days }).toUTC().toISO()!,
          limit: 200,
          cursor,
        }),
      ),
    [api, days],
  );
  const metrics = useAsyncRetry(async () => {
    const from = DateTime.now().minus({ days }).toUTC().toISO()!;
    const groupings: MetricsGroupBy[] = ['entity', 'owner', 'detector'];
    const answers = await Promise.all(
      groupings.map(by => api.getMetrics({ groupBy: by, from })),
    );
    return {
      entity: answers[0].items,
      owner: answers[1].items,
      detector: answers[2].items,
    };
  }, [api, days]);
  const incidents = useMemo(() => value?.items ?? [], [value]);
  const overall = useMemo(() => reliabilityStats(incidents), [incidents]);
  const groups = metrics.value?.[groupBy] ?? [];
  const owners = (metrics.value?.owner ?? []).map(row => ({
    owner: UNGROUPED.has(row.key) ? row.key : shortRef(row.key),
    Incidents: row.incidents,
  }));
  const detectors = (metrics.value?.detector ?? []).map(row => ({
    detector: row.key,
    'False positives (%)': Math.round(row.falsePositiveRate * 100),
    Succeeded: row.executions.succeeded,
    'Rolled back': row.executions.rolledBack,
    Failed: row.executions.failed,
  }));
  const executionTotals = (metrics.value?.entity ?? []).reduce(
    (sum, row) => ({
      succeeded: sum.succeeded + row.executions.succeeded,
      rolledBack: sum.rolledBack + row.executions.rolledBack,
      failed: sum.failed + row.executions.failed,
    }),
    { succeeded: 0, rolledBack: 0, failed: 0 },
  );
  const overTime = useMemo(
    () => statsOverTime(incidents, bucket),
    [incidents, bucket],
  );
  const categories = useMemo(() => incidentsByCategory(incidents), [incidents]);

  const groupColumns: TableColumn<MetricsRow>[] = [
    {
      title: groupBy === 'entity' ? 'Entity' : 'Owner',
      render: row =>
        UNGROUPED.has(row.key) ? (
          row.key
        ) : (
          <EntityRefLink entityRef={row.key} />
        ),
    },
    { title: 'Incidents', render: row => row.incidents },
    { title: 'MTTD', render: row => showSeconds(row.mttdSeconds) },
    { title: 'MTTA', render: row => showSeconds(row.mttaSeconds) },
    { title: 'MTTR', render: row => showSeconds(row.mttrSeconds) },
    {
      title: 'False positives',
      render: row => percent(row.falsePositiveRate),
    },
    {
      title: 'Executions (ok / rolled back / failed)',
      render: row =>
        `${row.executions.succeeded} / ${row.executions.rolledBack} / ${row.executions.failed}`,
    },
  ];
  const timeColumns: TableColumn<{ start: string; stats: ReliabilityStats }>[] =
    [
      { title: bucket === 'day' ? 'Day' : 'Week of', field: 'start' },
      { title: 'Incidents', render: row => row.stats.incidents },
      { title: 'MTTD', render: row => showMs(row.stats.mttdMs) },
      { title: 'MTTA', render: row => showMs(row.stats.mttaMs) },
      { title: 'MTTR', render: row => showMs(row.stats.mttrMs) },
      {
        title: 'False positives',
        render: row => showRate(row.stats.falsePositiveRate),
      },
    ];
  const chartData = overTime.map(({ start, stats }) => ({
    start,
    MTTD: minutes(stats.mttdMs),
    MTTA: minutes(stats.mttaMs),
    MTTR: minutes(stats.mttrMs),
    'False positives (%)':
      stats.falsePositiveRate === undefined
        ? null
        : Math.round(stats.falsePositiveRate * 100),
  }));

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <Select<Range>
          label="Opened in"
          value={range in RANGES ? range : '30d'}
          options={[
            ['7d', 'Last 7 days'],
            ['30d', 'Last 30 days'],
            ['90d', 'Last 90 days'],
          ]}
          onChange={v => update('range', v)}
        />
        <Select<GroupBy>
          label="Per"
          value={groupBy}
          options={[
            ['entity', 'Entity'],
            ['owner', 'Owner'],
          ]}
          onChange={v => update('group', v)}
        />
        <Select<Bucket>
          label="Over time by"
          value={bucket}
          options={[
            ['day', 'Day'],
            ['week', 'Week'],
          ]}
          onChange={v => update('bucket', v)}
        />
        <Alert severity="info" style={{ marginTop: 16 }}>
          Per entity, owner and detector figures come from the backend's
          metrics; the totals, the trend over time and the categories are
          computed in your browser from the incident list
          {value?.truncated
            ? ` (the newest ${MAX_DASHBOARD_INCIDENTS} incidents only)`
            : ''}
          . MTTD is first symptom to detection, MTTA detection to
          acknowledgement, MTTR first symptom to resolution (false positives
          excluded).
        </Alert>
      </Grid>
      {error && (
        <Grid item xs={12}>
          <LoadError error={error} retry={retry} />
        </Grid>
      )}
      {loading && !value && (
        <Grid item xs={12}>
          <Progress />
        </Grid>
      )}
      {value && (
        <>
          <Grid item xs={12} sm={6} md={3}>
            <Tile
              label="MTTD"
              value={showMs(overall.mttdMs)}
              detail={`over ${overall.incidents} incidents`}
            />
          </Grid>
          <Grid item xs={12} sm={6} md={3}>
            <Tile
              label="MTTA"
              value={showMs(overall.mttaMs)}
              detail={`over ${overall.acknowledged} acknowledged`}
            />
          </Grid>
          <Grid item xs={12} sm={6} md={3}>
            <Tile
              label="MTTR"
              value={showMs(overall.mttrMs)}
              detail={`over ${overall.resolved} resolved`}
            />
          </Grid>
          <Grid item xs={12} sm={6} md={3}>
            <Tile
              label="False-positive rate"
              value={showRate(overall.falsePositiveRate)}
              detail={`${overall.falsePositives} of ${overall.incidents}`}
            />
          </Grid>
          <Grid item xs={12} md={8}>
            <InfoCard
              title={<CardTitle>Over time</CardTitle>}
              subheader="Minutes; false positives in %"
            >
              {chartData.length ? (
                <Figure
                  title="Reliability over time"
                  summary={`${chartData.length} ${bucket}s from ${
                    chartData[0].start
                  } to ${
                    chartData[chartData.length - 1].start
                  }; the table below has the figures.`}
                >
                  <LineChart
                    width={640}
                    height={240}
                    data={chartData}
                    accessibilityLayer={false}
                  >
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="start" />
                    <YAxis />
                    <Tooltip />
                    <Legend />
                    <Line
                      dataKey="MTTD"
                      stroke="#1f5493"
                      connectNulls
                      isAnimationActive={false}
                    />
                    <Line
                      dataKey="MTTA"
                      stroke="#6a1b9a"
                      connectNulls
                      isAnimationActive={false}
                    />
                    <Line
                      dataKey="MTTR"
                      stroke="#2e7d32"
                      connectNulls
                      isAnimationActive={false}
                    />
                    <Line
                      dataKey="False positives (%)"
                      stroke="#c62828"
                      strokeDasharray="4 4"
                      connectNulls
                      isAnimationActive={false}
                    />
                  </LineChart>
                </Figure>
              ) : (
                <Typography>No incidents in this range.</Typography>
              )}
            </InfoCard>
          </Grid>
          <Grid item xs={12} md={4}>
            <HorizontalBars
              title="Incidents by category"
              data={categories}
              labelKey="category"
              valueKey="count"
              summary={c => `${c.category}: ${c.count}`}
              width={320}
              labelWidth={120}
              color="#1f5493"
              xAxis={{ allowDecimals: false }}
            />
          </Grid>
          <Grid item xs={12}>
            <Table
              title={`Per ${bucket}`}
              options={{
                paging: overTime.length > 31,
                pageSize: 31,
                search: false,
                sorting: false,
              }}
              columns={timeColumns}
              data={overTime}
            />
          </Grid>
        </>
      )}
      {metrics.error && (
        <Grid item xs={12}>
          <LoadError
            title="Could not load the metrics"
            error={metrics.error}
            retry={metrics.retry}
          />
        </Grid>
      )}
      {metrics.value && (
        <>
          <Grid item xs={12}>
            <Table
              title={`Per ${groupBy}`}
              options={{
                paging: groups.length > 20,
                pageSize: 20,
                search: false,
                sorting: false,
              }}
              columns={groupColumns}
              data={groups}
            />
          </Grid>
          <Grid item xs={12} md={6}>
            <HorizontalBars
              title="Incidents by owner"
              data={owners}
              labelKey="owner"
              valueKey="Incidents"
              summary={o => `${o.owner}: ${o.Incidents}`}
              width={480}
              labelWidth={140}
              color="#1f5493"
              xAxis={{ allowDecimals: false }}
            />
          </Grid>
          <Grid item xs={12} md={6}>
            <HorizontalBars
              title="False-positive rate per detector"
              data={detectors}
              labelKey="detector"
              valueKey="False positives (%)"
              summary={d => `${d.detector}: ${d['False positives (%)']}%`}
              width={480}
              labelWidth={140}
              color="#c62828"
              xAxis={{ domain: [0, 100], unit: '%' }}
            />
          </Grid>
          <Grid item xs={12}>
            <InfoCard
              title={<CardTitle>Executions by outcome</CardTitle>}
              subheader={`In all: ${executionTotals.succeeded} succeeded, ${executionTotals.rolledBack} rolled back, ${executionTotals.failed} failed`}
            >
              {detectors.some(
                d => d.Succeeded + d['Rolled back'] + d.Failed > 0,
              ) ? (
                <Figure
                  title="Executions by outcome, per detector"
                  summary={detectors
                    .map(
                      d =>
                        `${d.detector}: ${d.Succeeded} succeeded, ${d['Rolled back']} rolled back, ${d.Failed} failed`,
                    )
                    .join('; ')}
                >
                  <BarChart
                    width={640}
                    height={Math.max(120, detectors.length * 36)}
                    data={detectors}
                    layout="vertical"
                    accessibilityLayer={false}
                  >
                    <XAxis type="number" allowDecimals={false} />
                    <YAxis type="category" dataKey="detector" width={140} />
                    <Tooltip />
                    <Legend />
                    <Bar
                      dataKey="Succeeded"
                      stackId="executions"
                      fill="#2e7d32"
                      isAnimationActive={false}
                    />
                    <Bar
                      dataKey="Rolled back"
                      stackId="executions"
                      fill="#ef6c00"
                      isAnimationActive={false}
                    />
                    <Bar
                      dataKey="Failed"
                      stackId="executions"
                      fill="#c62828"
                      isAnimationActive={false}
                    />
                  </BarChart>
                </Figure>
              ) : (
                <Typography>No executions in this range.</Typography>
              )}
            </InfoCard>
          </Grid>
        </>
      )}
      <Grid item xs={12}>
        <KillSwitchPanel />
      </Grid>
      <Grid item xs={12}>
        <ClusterHealthTable />
      </Grid>
    </Grid>
  );
}
