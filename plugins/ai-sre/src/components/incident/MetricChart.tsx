import { EvidenceMetric } from '@internal/plugin-ai-sre-common';
import Typography from '@material-ui/core/Typography';
import { DateTime } from 'luxon';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

const timeLabel = (ms: number) => DateTime.fromMillis(ms).toFormat('HH:mm:ss');

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ');
}

/** A plain-words summary of a series, for screen readers and the caption. */
export function describeMetric(metric: EvidenceMetric): string {
  if (!metric.samples.length) {
    return `${metric.name}: no samples`;
  }
  const values = metric.samples.map(([, v]) => v);
  const first = metric.samples[0][0];
  const last = metric.samples[metric.samples.length - 1][0];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const fmt = (v: number) => Number(v.toPrecision(3)).toString();
  return `${metric.name}: ${metric.samples.length} samples from ${timeLabel(
    first,
  )} to ${timeLabel(last)}, between ${fmt(min)} and ${fmt(max)}${
    metric.threshold !== undefined ? `; threshold ${fmt(metric.threshold)}` : ''
  }`;
}

/** One metric series a signal captured, with its threshold. */
export function MetricChart(props: { metric: EvidenceMetric; id?: string }) {
  const { metric, id } = props;
  const data = metric.samples.map(([t, value]) => ({ t, value }));
  const description = describeMetric(metric);
  return (
    <figure id={id} tabIndex={-1} style={{ margin: '8px 0' }}>
      <div role="img" aria-label={description} style={{ overflowX: 'auto' }}>
        <LineChart
          width={560}
          height={180}
          data={data}
          margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
          accessibilityLayer={false}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={timeLabel}
          />
          <YAxis width={56} />
          <Tooltip
            labelFormatter={value => timeLabel(Number(value))}
            formatter={value => [String(value), metric.name]}
          />
          <Line
            type="monotone"
            dataKey="value"
            stroke="#1f5493"
            dot={false}
            isAnimationActive={false}
          />
          {metric.threshold !== undefined && (
            <ReferenceLine
              y={metric.threshold}
              stroke="#c62828"
              strokeDasharray="4 4"
              label="threshold"
            />
          )}
        </LineChart>
      </div>
      <Typography component="figcaption" variant="caption">
        {description}
        {Object.keys(metric.labels).length > 0 &&
          ` (${labelText(metric.labels)})`}
      </Typography>
    </figure>
  );
}
