/**
 * A Markdown postmortem of one incident, as a timeline: what was seen,
 * what the agents concluded, what people decided, what ran, and how long
 * each phase took.
 */
import type {
  ExecutionSummary,
  IncidentDetails,
} from '@internal/plugin-ai-sre-common';
import type { AuditEntry } from '../store/ControlStore';

const minutes = (from: string, to: string | null) =>
  to
    ? `${Math.round((Date.parse(to) - Date.parse(from)) / 6000) / 10} min`
    : 'n/a';

/** Keeps a value on one Markdown table line. */
const cell = (value: unknown) =>
  String(typeof value === 'string' ? value : JSON.stringify(value))
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

export function postmortemMarkdown(
  details: IncidentDetails,
  executions: ExecutionSummary[],
  audit: AuditEntry[],
): string {
  const { incident, analysis } = details;
  const lines: string[] = [];
  lines.push(`# Postmortem: ${incident.title}`, '');
  lines.push(
    `- **Incident**: ${incident.id}`,
    `- **Entity**: ${incident.entityRef ?? 'unknown'}${
      incident.impactedEntityRefs.length
        ? ` (also affected: ${incident.impactedEntityRefs.join(', ')})`
        : ''
    }`,
    `- **Owner**: ${incident.ownerRef ?? 'unknown'}`,
    `- **Cluster / namespace**: ${incident.cluster} / ${
      incident.namespace ?? '-'
    }`,
    `- **Severity**: ${incident.severity}; **status**: ${incident.status}`,
    `- **Root cause category**: ${incident.category ?? 'undetermined'}`,
    `- **Time to detect** (first symptom to incident): ${minutes(
      incident.startedAt,
      incident.openedAt,
    )}`,
    `- **Time to acknowledge**: ${minutes(
      incident.openedAt,
      incident.acknowledgedAt,
    )}`,
    `- **Time to resolve** (first symptom to resolved): ${minutes(
      incident.startedAt,
      incident.resolvedAt,
    )}`,
    '',
  );
  lines.push('## Summary', '', analysis.summary ?? incident.summary ?? '', '');

  const events: Array<{ at: string; what: string }> = [
    { at: incident.startedAt, what: 'First symptom observed' },
    { at: incident.openedAt, what: 'Incident opened' },
    ...details.trace.map(t => ({
      at: t.at,
      what: `Agent \`${t.node}\` (${t.durationMs} ms): ${t.input}`,
    })),
    ...audit.map(a => ({
      at: a.at,
      what: `${a.actor}: ${a.action} (${a.outcome})${
        a.details.comment ? `: "${a.details.comment}"` : ''
      }${a.details.reason ? `: ${a.details.reason}` : ''}`,
    })),
    ...executions.map(e => ({
      at: e.startedAt,
      what: `Execution ${e.id} ${e.status}: ${e.details}`,
    })),
    ...(incident.acknowledgedAt
      ? [{ at: incident.acknowledgedAt, what: 'Acknowledged' }]
      : []),
    ...(incident.resolvedAt
      ? [{ at: incident.resolvedAt, what: `Closed as ${incident.status}` }]
      : []),
  ].sort((a, b) => a.at.localeCompare(b.at));
  lines.push('## Timeline (UTC)', '', '| time | event |', '|---|---|');
  for (const event of events)
    lines.push(`| ${event.at} | ${cell(event.what)} |`);
  lines.push('');

  lines.push('## Root cause', '');
  analysis.hypotheses.forEach((h, i) => {
    lines.push(
      `${i + 1}. **${h.category}** (confidence ${Math.round(
        h.confidence * 100,
      )}%)${
        h.object
          ? ` on \`${h.object.kind}/${
              h.object.namespace ? `${h.object.namespace}/` : ''
            }${h.object.name}\``
          : ''
      }: ${h.summary}`,
    );
    for (const fact of h.evidence.facts) lines.push(`   - ${fact}`);
  });
  if (!analysis.hypotheses.length) lines.push('No root cause was established.');
  lines.push('');

  lines.push('## Remediation', '');
  analysis.plan.forEach((step, i) => {
    lines.push(
      `${i + 1}. \`${step.action}\` (${step.risk} risk): ${
        step.expectedEffect
      }`,
      `   - Verification: ${step.verification}`,
      `   - Inverse: ${step.inverse}`,
    );
  });
  if (analysis.decision) {
    lines.push('', `Policy decision: **${analysis.decision.decision}**.`);
    for (const reason of analysis.decision.reasons) lines.push(`- ${reason}`);
  }
  for (const execution of executions) {
    lines.push('', `### Execution ${execution.id} (${execution.status})`, '');
    for (const step of execution.steps) {
      lines.push(
        `- \`${step.action}\`: ${step.status}${
          step.error ? ` (${step.error})` : ''
        }`,
      );
      for (const op of step.operations) {
        for (const d of op.diff) {
          lines.push(`  - \`${d.path}\`: ${cell(d.before)} → ${cell(d.after)}`);
        }
      }
    }
  }
  lines.push('', '## Follow-ups', '', '- [ ] ', '');
  return lines.join('\n');
}
