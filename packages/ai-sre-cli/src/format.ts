/**
 * The report for people: a plain-text table (the default) or Markdown (for
 * a ticket or a post-incident review).
 */
import type { AnalysisReport, IncidentDetail, PlanStepDetail } from './report';

export type OutputFormat = 'table' | 'markdown';

/** A plain-text table, columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    line(widths.map(w => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

const percent = (confidence: number) => `${Math.round(confidence * 100)}%`;

function params(step: PlanStepDetail): string {
  const entries = Object.entries(step.params).filter(
    ([key]) => key !== 'message',
  );
  return entries.length
    ? ` (${entries.map(([k, v]) => `${k}: ${v}`).join(', ')})`
    : '';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function incidentText(incident: IncidentDetail, index: number): string[] {
  const lines = [`${index + 1}. [${incident.severity}] ${incident.title}`];
  const field = (name: string, value: string) =>
    lines.push(`   ${`${name}:`.padEnd(11)} ${value}`);
  field('entity', incident.entity ?? '-');
  if (incident.impacted.length) field('impacted', incident.impacted.join(', '));
  field('started', incident.openedAt);
  field(
    'findings',
    incident.findings.map(f => `${f.object} (${f.detector})`).join(', '),
  );
  lines.push('   root cause:');
  if (!incident.rootCause.length) lines.push('     none established');
  incident.rootCause.forEach((cause, i) => {
    lines.push(
      `     ${i + 1}. ${cause.category} ${percent(cause.confidence)}${
        cause.object ? ` ${cause.object}` : ''
      }`,
    );
    lines.push(`        ${cause.summary}`);
    for (const fact of cause.evidence) lines.push(`        - ${fact}`);
  });
  lines.push(`   plan (policy decision: ${incident.decision}):`);
  if (!incident.steps.length) lines.push('     none');
  incident.steps.forEach((step, i) => {
    lines.push(
      `     ${i + 1}. ${step.action}${
        step.target ? ` ${step.target}` : ''
      }${params(step)}`,
    );
    lines.push(`        ${step.expectedEffect}`);
  });
  return lines;
}

/** The report as plain text: a findings table, then each incident. */
export function formatText(report: AnalysisReport): string {
  const out: string[] = [];
  if (!report.findings.length) {
    out.push(`No problems found (judged at ${report.analyzedAt}).`);
    return out.join('\n');
  }
  out.push(
    `Findings (${report.findings.length}), judged at ${report.analyzedAt}`,
    '',
    formatTable(
      ['OBJECT', 'DETECTOR', 'SEVERITY', 'MESSAGE'],
      report.findings.map(f => [f.object, f.detector, f.severity, f.message]),
    ),
    '',
  );
  if (!report.incidents.length) {
    out.push('Incidents: none (the findings are noise on their own).');
  } else {
    out.push(`Incidents (${report.incidents.length})`, '');
    report.incidents.forEach((incident, i) => {
      out.push(...incidentText(incident, i), '');
    });
  }
  return out.join('\n').trimEnd();
}

/** A Markdown table cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** The report as Markdown. */
export function formatMarkdown(report: AnalysisReport): string {
  const out: string[] = ['# AI SRE analysis', ''];
  out.push(
    `Judged at ${report.analyzedAt}: ${plural(
      report.findings.length,
      'finding',
    )}, ${plural(report.incidents.length, 'incident')}.`,
    '',
  );
  out.push('## Findings', '');
  if (!report.findings.length) {
    out.push('No problems found.');
  } else {
    out.push(
      '| Object | Detector | Severity | Message |',
      '| --- | --- | --- | --- |',
      ...report.findings.map(
        f =>
          `| ${code(f.object)} | ${cell(f.detector)} | ${cell(
            f.severity,
          )} | ${cell(f.message)} |`,
      ),
    );
  }
  out.push('', '## Incidents', '');
  if (!report.incidents.length) {
    out.push(
      report.findings.length
        ? 'None: the findings are noise on their own.'
        : 'None.',
    );
  }
  report.incidents.forEach((incident, index) => {
    out.push(`### ${index + 1}. ${incident.title}`, '');
    out.push(`- **Severity:** ${incident.severity}`);
    out.push(
      `- **Entity:** ${incident.entity ? code(incident.entity) : 'unknown'}`,
    );
    if (incident.impacted.length) {
      out.push(`- **Impacted:** ${incident.impacted.map(code).join(', ')}`);
    }
    out.push(`- **Started:** ${incident.openedAt}`);
    out.push(
      `- **Findings:** ${incident.findings
        .map(f => `${code(f.object)} (${f.detector})`)
        .join(', ')}`,
    );
    out.push('', '**Root causes**', '');
    if (!incident.rootCause.length) out.push('None established.');
    incident.rootCause.forEach((cause, i) => {
      out.push(
        `${i + 1}. **${cause.category}** (${percent(cause.confidence)})${
          cause.object ? ` ${code(cause.object)}` : ''
        }: ${cause.summary}`,
      );
      for (const fact of cause.evidence) out.push(`   - ${fact}`);
    });
    out.push('', `**Plan** (policy decision: ${incident.decision})`, '');
    if (!incident.steps.length) out.push('None.');
    incident.steps.forEach((step, i) => {
      out.push(
        `${i + 1}. ${code(step.action)}${
          step.target ? ` on ${code(step.target)}` : ''
        }${params(step)}: ${step.expectedEffect}`,
      );
    });
    out.push('');
  });
  return out.join('\n').trimEnd();
}

export function formatReport(
  report: AnalysisReport,
  format: OutputFormat,
): string {
  return format === 'markdown' ? formatMarkdown(report) : formatText(report);
}
