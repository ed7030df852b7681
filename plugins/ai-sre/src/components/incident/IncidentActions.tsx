import { useApi } from '@backstage/core-plugin-api';
import {
  aiSreIncidentUpdatePermission,
  Incident,
} from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import { useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { aiSreApiRef } from '../../api';
import { ActionButton } from '../shared/ActionButton';
import { ActionError } from '../shared/ActionError';
import { CommentDialog } from '../shared/CommentDialog';
import { useActionPermission } from '../shared/permissions';

const CLOSED = ['resolved', 'false-positive'];

/** Downloads text as a file. */
function download(filename: string, text: string) {
  const url = URL.createObjectURL(
    new Blob([text], { type: 'text/markdown;charset=utf-8' }),
  );
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  URL.revokeObjectURL(url);
}

/** Acknowledge, resolve, and export the postmortem of an incident. */
export function IncidentActions(props: {
  incident: Incident;
  onChanged: () => void;
}) {
  const { incident, onChanged } = props;
  const api = useApi(aiSreApiRef);
  const canUpdate = useActionPermission({
    permission: aiSreIncidentUpdatePermission,
    resourceRef: incident.id,
    action: 'acknowledge or resolve this incident',
  });
  const [resolving, setResolving] = useState(false);
  const closed = CLOSED.includes(incident.status);

  const [ack, acknowledge] = useAsyncFn(async () => {
    await api.acknowledge(incident.id);
    onChanged();
  }, [api, incident.id, onChanged]);
  const [res, resolve] = useAsyncFn(
    async (comment: string) => {
      await api.resolve(incident.id, { comment: comment || undefined });
      onChanged();
    },
    [api, incident.id, onChanged],
  );
  const [pm, exportPostmortem] = useAsyncFn(async () => {
    const markdown = await api.getPostmortem(incident.id);
    download(`postmortem-${incident.id}.md`, markdown);
  }, [api, incident.id]);

  return (
    <Box mt={2}>
      <ActionError error={ack.error ?? res.error ?? pm.error} />
      <ActionButton
        permission={canUpdate}
        unavailable={
          incident.status !== 'open' ? `Already ${incident.status}.` : undefined
        }
        busy={ack.loading}
        onClick={() => acknowledge()}
      >
        Acknowledge
      </ActionButton>
      <ActionButton
        permission={canUpdate}
        unavailable={closed ? `Already ${incident.status}.` : undefined}
        busy={res.loading}
        onClick={() => setResolving(true)}
      >
        Resolve
      </ActionButton>
      <ActionButton busy={pm.loading} onClick={() => exportPostmortem()}>
        Export postmortem (Markdown)
      </ActionButton>
      <CommentDialog
        open={resolving}
        title="Resolve this incident"
        description="Resolve it when the entity is healthy again. The comment goes to the audit trail and the postmortem."
        label="Comment (optional)"
        confirm="Resolve"
        onCancel={() => setResolving(false)}
        onConfirm={comment => {
          setResolving(false);
          resolve(comment);
        }}
      />
    </Box>
  );
}
