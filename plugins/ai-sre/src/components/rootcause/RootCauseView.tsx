import { CardTitle } from '../shared/styles';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  aiSreIncidentUpdatePermission,
  formatObjectRef,
  Hypothesis,
  IncidentDetails,
  Signal,
} from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { useMemo, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { aiSreApiRef } from '../../api';
import { IncidentData } from '../../hooks/useIncidentDetails';
import { ChangesPanel } from '../incident/ChangesPanel';
import { EvidencePanel } from '../incident/EvidencePanel';
import { citedIds } from '../incident/timeline';
import { ActionButton } from '../shared/ActionButton';
import { ActionError } from '../shared/ActionError';
import { AnchorLink } from '../shared/AnchorLink';
import { CommentDialog } from '../shared/CommentDialog';
import { useActionPermission } from '../shared/permissions';
import { percent } from '../format';
import { AgentTrace } from './AgentTrace';
import { evidenceLinks } from './evidenceLinks';

function HypothesisItem(props: {
  hypothesis: Hypothesis;
  rank: number;
  details: IncidentDetails;
  signals: Signal[];
}) {
  const { hypothesis, rank, details, signals } = props;
  const links = evidenceLinks(hypothesis, details, signals);
  const facts = hypothesis.evidence.facts.filter(
    f => !f.startsWith('change: '),
  );
  return (
    <li style={{ marginBottom: 24 }}>
      <Typography variant="h6" component="h4">
        #{rank} {hypothesis.category}
        {hypothesis.object ? ` — ${formatObjectRef(hypothesis.object)}` : ''}
      </Typography>
      <Box display="flex" alignItems="center" maxWidth={360} my={1}>
        <Box flexGrow={1} mr={1}>
          <LinearProgress
            variant="determinate"
            value={Math.round(hypothesis.confidence * 100)}
            aria-label={`Confidence of hypothesis ${rank}`}
          />
        </Box>
        <Typography variant="body2">
          confidence {percent(hypothesis.confidence)}
        </Typography>
      </Box>
      <Typography variant="body1" paragraph>
        {hypothesis.summary}
      </Typography>
      {links.length > 0 && (
        <>
          <Typography variant="subtitle2" component="h5">
            Cited evidence
          </Typography>
          <ul>
            {links.map(link => (
              <li key={`${link.kind}|${link.label}`}>
                <Chip size="small" variant="outlined" label={link.kind} />{' '}
                {link.targetId ? (
                  <AnchorLink targetId={link.targetId}>{link.label}</AnchorLink>
                ) : (
                  link.label
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {facts.length > 0 && (
        <>
          <Typography variant="subtitle2" component="h5">
            Facts
          </Typography>
          <ul>
            {facts.map(fact => (
              <li key={fact}>
                <Typography variant="body2">{fact}</Typography>
              </li>
            ))}
          </ul>
        </>
      )}
    </li>
  );
}

/**
 * The root cause of an incident: ranked hypotheses with their confidence and
 * cited evidence, the agent trace, and marking the incident as a false
 * positive.
 */
export function RootCauseView(props: {
  data: IncidentData;
  onChanged: () => void;
}) {
  const { data, onChanged } = props;
  const { details } = data;
  const { incident, analysis } = details;
  const api = useApi(aiSreApiRef);
  const [marking, setMarking] = useState(false);
  const canUpdate = useActionPermission({
    permission: aiSreIncidentUpdatePermission,
    resourceRef: incident.id,
    action: 'mark this incident as a false positive',
  });
  const [fp, markFalsePositive] = useAsyncFn(
    async (reason: string) => {
      await api.markFalsePositive(incident.id, { reason });
      onChanged();
    },
    [api, incident.id, onChanged],
  );
  const cited = useMemo(() => {
    const { signalIds } = citedIds(details);
    return data.signals.filter(s => signalIds.has(s.id));
  }, [data, details]);

  return (
    <Grid container spacing={3} direction="column">
      <Grid item>
        <InfoCard
          title={<CardTitle>Root cause</CardTitle>}
          subheader={
            details.workflow === 'running' && !analysis.hypotheses.length
              ? 'The analysis is still running'
              : `${analysis.hypotheses.length} ranked hypothes${
                  analysis.hypotheses.length === 1 ? 'is' : 'es'
                }`
          }
        >
          {analysis.summary && (
            <Typography variant="body1" paragraph>
              {analysis.summary}
            </Typography>
          )}
          {analysis.hypotheses.length === 0 ? (
            <Typography variant="body1">
              {details.workflow === 'running'
                ? 'The root cause analysis of this incident has not finished yet.'
                : 'No root cause could be established from the evidence; the incident is monitored.'}
            </Typography>
          ) : (
            <ol
              style={{ listStyle: 'none', padding: 0 }}
              aria-label="Ranked hypotheses"
            >
              {analysis.hypotheses.map((hypothesis, index) => (
                <HypothesisItem
                  key={index}
                  rank={index + 1}
                  hypothesis={hypothesis}
                  details={details}
                  signals={data.signals}
                />
              ))}
            </ol>
          )}
          {analysis.modelHypotheses.length > 0 && (
            <>
              <Typography variant="h6" component="h4">
                Suggested by the language model
              </Typography>
              <Typography variant="body2" paragraph color="textSecondary">
                Never ranked above the deterministic hypotheses.
              </Typography>
              <ul style={{ listStyle: 'none', padding: 0 }}>
                {analysis.modelHypotheses.map((hypothesis, index) => (
                  <HypothesisItem
                    key={index}
                    rank={analysis.hypotheses.length + index + 1}
                    hypothesis={hypothesis}
                    details={details}
                    signals={data.signals}
                  />
                ))}
              </ul>
            </>
          )}
          <ActionError error={fp.error} />
          <ActionButton
            permission={canUpdate}
            unavailable={
              incident.status === 'false-positive'
                ? 'Already marked as a false positive.'
                : undefined
            }
            busy={fp.loading}
            onClick={() => setMarking(true)}
          >
            Mark as false positive
          </ActionButton>
          <CommentDialog
            open={marking}
            title="Mark as a false positive"
            description="The incident closes, and the reason is kept in the audit trail so detectors can be tuned."
            label="Why is this not a real problem?"
            confirm="Mark as false positive"
            required
            onCancel={() => setMarking(false)}
            onConfirm={reason => {
              setMarking(false);
              markFalsePositive(reason);
            }}
          />
        </InfoCard>
      </Grid>
      <Grid item>
        <InfoCard title={<CardTitle>Cited evidence</CardTitle>}>
          <ChangesPanel details={details} />
          <Box mt={2}>
            <EvidencePanel signals={cited} headingLevel={4} />
          </Box>
        </InfoCard>
      </Grid>
      <Grid item>
        <InfoCard
          title={<CardTitle>Agent trace</CardTitle>}
          subheader="Each workflow node: its input summary, output and duration"
        >
          <AgentTrace trace={details.trace} />
        </InfoCard>
      </Grid>
    </Grid>
  );
}
