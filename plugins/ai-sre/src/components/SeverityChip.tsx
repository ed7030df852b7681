import {
  IncidentSeverity,
  IncidentStatus,
} from '@internal/plugin-ai-sre-common';
import Chip from '@material-ui/core/Chip';

const severityColor: Record<
  IncidentSeverity,
  'secondary' | 'primary' | 'default'
> = {
  critical: 'secondary',
  high: 'secondary',
  medium: 'primary',
  low: 'default',
};

export function SeverityChip(props: { severity: IncidentSeverity }) {
  return (
    <Chip
      size="small"
      color={severityColor[props.severity]}
      label={props.severity}
    />
  );
}

export function StatusChip(props: { status: IncidentStatus }) {
  return (
    <Chip
      size="small"
      variant={props.status === 'resolved' ? 'outlined' : 'default'}
      label={props.status}
    />
  );
}
