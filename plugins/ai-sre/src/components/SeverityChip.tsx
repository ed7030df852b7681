import {
  IncidentSeverity,
  IncidentStatus,
} from '@internal/plugin-ai-sre-common';
import Chip from '@material-ui/core/Chip';

/** Colours with at least 4.5:1 contrast against white text (WCAG AA). */
const severityStyle: Record<
  IncidentSeverity,
  { background: string; color: string } | undefined
> = {
  critical: { background: '#8e0000', color: '#ffffff' },
  high: { background: '#b71c1c', color: '#ffffff' },
  medium: { background: '#1f5493', color: '#ffffff' },
  low: undefined,
};

/** A plan step's risk, in the same accessible colours. */
export function RiskChip(props: { risk: 'low' | 'medium' | 'high' }) {
  const style = {
    high: severityStyle.high,
    medium: severityStyle.medium,
    low: undefined,
  }[props.risk];
  return <Chip size="small" style={style} label={`${props.risk} risk`} />;
}

export function SeverityChip(props: { severity: IncidentSeverity }) {
  return (
    <Chip
      size="small"
      style={severityStyle[props.severity]}
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
