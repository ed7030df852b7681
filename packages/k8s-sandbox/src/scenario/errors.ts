/** One step of a path into a document: a map key or a list index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Formats a path the way error messages show it:
 * `images["ghcr.io/x:1"].memoryGrowth`, `timeline[2].scale.replicas`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else if (IDENTIFIER.test(segment)) {
      out += out ? `.${segment}` : segment;
    } else {
      out += `[${JSON.stringify(segment)}]`;
    }
  }
  return out;
}

/** A problem found in a scenario file. */
export interface ScenarioIssue {
  /** The file name as given to the loader. */
  file: string;
  /** The formatted path inside the file; empty for the whole document. */
  path: string;
  segments: PathSegment[];
  /** 1-based line and column in the file, when known. */
  line?: number;
  column?: number;
  /** What is wrong and what was expected. */
  message: string;
}

/** `file:line:col: path: message`. */
export function formatIssue(issue: ScenarioIssue): string {
  const where =
    issue.line !== undefined
      ? `${issue.file}:${issue.line}:${issue.column ?? 1}`
      : issue.file;
  return issue.path
    ? `${where}: ${issue.path}: ${issue.message}`
    : `${where}: ${issue.message}`;
}

/** A scenario file that cannot be loaded; `issues` lists every problem. */
export class ScenarioError extends Error {
  readonly issues: ScenarioIssue[];

  constructor(issues: ScenarioIssue[]) {
    const lines = issues.map(formatIssue);
    const files = [...new Set(issues.map(i => i.file))];
    super(
      lines.length === 1
        ? lines[0]
        : `${files.join(', ')}: ${lines.length} problems\n${lines
            .map(l => `  ${l}`)
            .join('\n')}`,
    );
    this.name = 'ScenarioError';
    this.issues = issues;
  }

  /** The files the issues are in. */
  get files(): string[] {
    return [...new Set(this.issues.map(i => i.file))];
  }
}
