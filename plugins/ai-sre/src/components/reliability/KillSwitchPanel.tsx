import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { aiSrePolicyManagePermission } from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useId, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiSreApiRef, KillSwitches } from '../../api';
import { LoadError } from '../EntityStates';
import { ActionButton } from '../shared/ActionButton';
import { ActionError } from '../shared/ActionError';
import { ActionPermission } from '../shared/permissions';
import { CardTitle } from '../shared/styles';
import { absoluteTime } from '../format';

function who(by?: string | null, at?: string | null): string {
  const parts = [
    by ? `by ${by}` : undefined,
    at ? `at ${absoluteTime(at)}` : undefined,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(' ')})` : '';
}

/**
 * The kill-switches in force, global and per entity, with who set them and
 * why; those allowed to manage the policy turn them on or off with a reason.
 */
export function KillSwitchPanel() {
  const api = useApi(aiSreApiRef);
  const { allowed, loading: checking } = usePermission({
    permission: aiSrePolicyManagePermission,
  });
  let permission: ActionPermission = { allowed: true, loading: false };
  if (checking) {
    permission = { allowed: false, loading: true };
  } else if (!allowed) {
    permission = {
      allowed: false,
      loading: false,
      reason: `You may not change kill-switches: the permission ${aiSrePolicyManagePermission.name} is not granted to you.`,
    };
  }
  const [switches, setSwitches] = useState<KillSwitches>();
  const loaded = useAsyncRetry(async () => {
    const value = await api.getKillSwitches();
    setSwitches(value);
    return value;
  }, [api]);
  const reasonId = useId();
  const entityId = useId();
  const [reason, setReason] = useState('');
  const [entityRef, setEntityRef] = useState('');
  const [change, set] = useAsyncFn(
    async (request: { enabled: boolean; entityRef?: string }) => {
      const value = await api.setKillSwitch({ ...request, reason });
      setSwitches(value);
      setReason('');
      if (request.entityRef) setEntityRef('');
      return value;
    },
    [api, reason],
  );
  const needReason = reason.trim()
    ? undefined
    : 'Give a reason first (kept in the audit trail).';

  const global = switches?.global;
  let globalUnavailable: string | undefined;
  if (permission.allowed) {
    globalUnavailable =
      global?.enabled && global.configured
        ? 'Set in the app config: change it there.'
        : needReason;
  }
  return (
    <InfoCard title={<CardTitle>Kill-switches</CardTitle>}>
      {loaded.error && !switches && (
        <LoadError
          title="Could not load the kill-switches"
          error={loaded.error}
          retry={loaded.retry}
        />
      )}
      {loaded.loading && !switches && <Progress />}
      {switches && global && (
        <>
          <Alert
            severity={global.enabled ? 'warning' : 'success'}
            role="status"
            aria-label="Global kill-switch"
          >
            {global.enabled
              ? `Global kill-switch ON: no fix runs anywhere${
                  global.reason ? ` — “${global.reason}”` : ''
                }${who(global.updatedBy, global.updatedAt)}${
                  global.configured ? '. Set in the app config.' : '.'
                }`
              : `Global kill-switch off: fixes run as the policy allows${who(
                  global.updatedBy,
                  global.updatedAt,
                )}.`}
          </Alert>
          <Typography
            variant="subtitle2"
            component="h3"
            style={{ marginTop: 16 }}
          >
            Entities stopped
          </Typography>
          {switches.entities.length ? (
            <ul aria-label="Entity kill-switches">
              {switches.entities.map(item => (
                <li key={item.entityRef}>
                  <EntityRefLink entityRef={item.entityRef} />
                  <Typography variant="body2" component="span">
                    {item.reason ? ` — “${item.reason}”` : ''}
                    {who(item.updatedBy, item.updatedAt)}
                  </Typography>{' '}
                  <ActionButton
                    size="small"
                    permission={permission}
                    busy={change.loading}
                    aria-label={`Turn off the kill-switch of ${item.entityRef}`}
                    onClick={() =>
                      set({ enabled: false, entityRef: item.entityRef })
                    }
                  >
                    Turn off
                  </ActionButton>
                </li>
              ))}
            </ul>
          ) : (
            <Typography variant="body2" paragraph>
              No entity is stopped.
            </Typography>
          )}
          <TextField
            id={reasonId}
            fullWidth
            margin="dense"
            variant="outlined"
            label="Reason (kept in the audit trail)"
            value={reason}
            disabled={!permission.allowed}
            onChange={event => setReason(event.target.value)}
            inputProps={{ maxLength: 2000 }}
          />
          <Box mt={1}>
            <ActionButton
              color={global.enabled ? 'primary' : 'secondary'}
              permission={permission}
              unavailable={globalUnavailable}
              busy={change.loading}
              onClick={() => set({ enabled: !global.enabled })}
            >
              {global.enabled
                ? 'Turn off the global kill-switch'
                : 'Turn on the global kill-switch'}
            </ActionButton>
          </Box>
          <Box display="flex" alignItems="flex-start" flexWrap="wrap" mt={1}>
            <TextField
              id={entityId}
              margin="dense"
              variant="outlined"
              label="Entity"
              helperText="e.g. component:default/catalog-api"
              value={entityRef}
              disabled={!permission.allowed}
              onChange={event => setEntityRef(event.target.value)}
              style={{ minWidth: 320, marginRight: 16 }}
            />
            <Box mt={1}>
              <ActionButton
                permission={permission}
                unavailable={
                  permission.allowed
                    ? needReason ??
                      (entityRef.trim() ? undefined : 'Name an entity first.')
                    : undefined
                }
                busy={change.loading}
                onClick={() =>
                  set({ enabled: true, entityRef: entityRef.trim() })
                }
              >
                Stop this entity
              </ActionButton>
            </Box>
          </Box>
          <ActionError error={change.error} />
        </>
      )}
    </InfoCard>
  );
}
