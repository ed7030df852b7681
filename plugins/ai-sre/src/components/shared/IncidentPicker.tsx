import { Incident } from '@internal/plugin-ai-sre-common';
import FormControl from '@material-ui/core/FormControl';
import InputLabel from '@material-ui/core/InputLabel';
import NativeSelect from '@material-ui/core/NativeSelect';
import { useId } from 'react';
import { relativeTime } from '../format';
import { useLabelClass } from './styles';

/** Chooses which of the entity's incidents a tab shows. */
export function IncidentPicker(props: {
  incidents: Incident[];
  selected: string;
  onSelect: (id: string) => void;
}) {
  const id = useId();
  const labelClass = useLabelClass();
  return (
    <FormControl style={{ minWidth: 320, maxWidth: '100%', marginBottom: 16 }}>
      <InputLabel htmlFor={id} shrink className={labelClass}>
        Incident
      </InputLabel>
      <NativeSelect
        id={id}
        value={props.selected}
        onChange={event => props.onSelect(event.target.value)}
      >
        {!props.incidents.some(i => i.id === props.selected) && (
          <option value={props.selected}>{props.selected}</option>
        )}
        {props.incidents.map(incident => (
          <option key={incident.id} value={incident.id}>
            {incident.status} · {relativeTime(incident.openedAt)} ·{' '}
            {incident.title.length > 90
              ? `${incident.title.slice(0, 90)}…`
              : incident.title}
          </option>
        ))}
      </NativeSelect>
    </FormControl>
  );
}
