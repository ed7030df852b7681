import fs from 'node:fs';
import path from 'node:path';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
} from 'yaml';
import type { z } from 'zod/v3';
import {
  formatPath,
  ScenarioError,
  type PathSegment,
  type ScenarioIssue,
} from './errors';
import {
  KEY_ISSUE,
  scenarioErrorMap,
  scenarioSchema,
  type ParsedScenario,
} from './schema';
import type { KubeObject, Scenario, ScenarioNode, TimelineStep } from './types';
import { describeValue, formatDuration } from './units';

/** Simulated time a scenario runs when it gives no `duration`: 15m. */
export const DEFAULT_DURATION_MS = 15 * 60_000;

const GiB = 2 ** 30;

/** The nodes of a scenario without `cluster.nodes`. */
export function defaultNodes(): ScenarioNode[] {
  return ['node-1', 'node-2', 'node-3'].map(name => ({
    name,
    cpu: 4,
    memory: 16 * GiB,
    pods: 110,
    labels: nodeLabels(name),
    taints: [],
    capacity: { cpu: '4', memory: '16Gi', pods: '110' },
  }));
}

function nodeLabels(
  name: string,
  labels: Record<string, string> = {},
): Record<string, string> {
  return {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    ...labels,
  };
}

interface Draft {
  segments: PathSegment[];
  message: string;
  /** Point at the key rather than at its value. */
  atKey?: boolean;
}

function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let node: unknown = root;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[String(segment)];
  }
  return node;
}

function draftsFromZod(error: z.ZodError, data: unknown): Draft[] {
  const drafts: Draft[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        drafts.push({
          segments: [...issue.path, key],
          message: issue.message,
          atKey: true,
        });
      }
      continue;
    }
    let message = issue.message;
    const value = valueAt(data, issue.path);
    if (
      issue.code === 'invalid_string' &&
      !message.includes(', got ') &&
      (typeof value === 'string' ||
        typeof value === 'number' ||
        typeof value === 'boolean')
    ) {
      message = `${message}, got ${describeValue(value)}`;
    }
    drafts.push({
      segments: issue.path,
      message,
      atKey: issue.code === 'custom' && issue.params?.[KEY_ISSUE] === true,
    });
  }
  return drafts;
}

interface Position {
  line: number;
  column: number;
}

/** Finds where a path points in the YAML source. */
function locate(
  doc: Document,
  lineCounter: LineCounter,
  segments: readonly PathSegment[],
  atKey: boolean,
): Position | undefined {
  let node: unknown = doc.contents;
  let best: unknown = node;
  for (let i = 0; i < segments.length; i++) {
    if (isAlias(node)) {
      node = node.resolve(doc);
    }
    const segment = segments[i];
    if (isMap(node)) {
      const pair = node.items.find(
        p =>
          isPair(p) &&
          (isScalar(p.key) ? String(p.key.value) : String(p.key)) ===
            String(segment),
      );
      if (!pair) {
        break;
      }
      const last = i === segments.length - 1;
      if (last && atKey) {
        best = pair.key;
        break;
      }
      node = pair.value;
      best = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) {
        break;
      }
      best = node;
    } else {
      break;
    }
  }
  const range = (best as { range?: [number, number, number] } | null)?.range;
  if (!range) {
    return undefined;
  }
  const pos = lineCounter.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

function crossCheck(parsed: ParsedScenario, drafts: Draft[]): void {
  const nodes = parsed.cluster?.nodes ?? [];
  const seen = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (seen.has(node.name)) {
      drafts.push({
        segments: ['cluster', 'nodes', i, 'name'],
        message: `duplicate node name ${JSON.stringify(
          node.name,
        )} (also cluster.nodes[${seen.get(node.name)}])`,
      });
    } else {
      seen.set(node.name, i);
    }
  });

  // `node` steps must name a node that exists by then.
  const known = new Set(
    parsed.cluster?.nodes
      ? nodes.map(n => n.name)
      : defaultNodes().map(n => n.name),
  );
  for (const object of parsed.cluster?.objects ?? []) {
    if (object.kind === 'Node') {
      known.add(object.metadata.name);
    }
  }
  const steps = (parsed.timeline ?? []).map((step, index) => ({ step, index }));
  steps.sort((a, b) => a.step.at - b.step.at || a.index - b.index);
  for (const { step, index } of steps) {
    if (step.kind === 'apply' && step.manifest.kind === 'Node') {
      known.add(step.manifest.metadata.name);
    } else if (step.kind === 'node' && !known.has(step.name)) {
      drafts.push({
        segments: ['timeline', index, 'node', 'name'],
        message: `expected the name of a node (${[...known].join(
          ', ',
        )}), got ${JSON.stringify(step.name)}`,
      });
    }
  }
}

function build(parsed: ParsedScenario, file: string): Scenario {
  const nodes: ScenarioNode[] = parsed.cluster?.nodes
    ? parsed.cluster.nodes.map(n => ({
        name: n.name,
        cpu: n.cpu.value,
        memory: n.memory.value,
        pods: n.pods ?? 110,
        labels: nodeLabels(n.name, n.labels),
        taints: n.taints ?? [],
        capacity: {
          cpu: n.cpu.text,
          memory: n.memory.text,
          pods: String(n.pods ?? 110),
        },
      }))
    : defaultNodes();
  const timeline: TimelineStep[] = (parsed.timeline ?? [])
    .map((step, index) => ({ ...step, index } as TimelineStep))
    .sort((a, b) => a.at - b.at || a.index - b.index);
  const scenario: Scenario = {
    version: 1,
    id: parsed.id,
    title: parsed.title,
    file,
    duration: parsed.duration?.ms ?? DEFAULT_DURATION_MS,
    durationText: parsed.duration?.text ?? formatDuration(DEFAULT_DURATION_MS),
    cluster: {
      nodes,
      objects: (parsed.cluster?.objects ?? []) as KubeObject[],
    },
    images: parsed.images ?? {},
    timeline,
  };
  if (parsed.expect) {
    scenario.expect = parsed.expect;
  }
  return scenario;
}

/**
 * Parses and validates the text of a scenario file (format v1). Throws a
 * {@link ScenarioError} listing every problem, each with the file, the
 * line, the path inside the file and what was expected.
 */
export function parseScenario(text: string, fileName: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    keepSourceTokens: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      doc.errors.map(error => {
        const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        return {
          file: fileName,
          path: '',
          segments: [],
          ...(pos ? { line: pos.line, column: pos.col } : {}),
          message: `invalid YAML: ${error.message.split('\n')[0]}`,
        };
      }),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 10_000 });
  const toIssues = (drafts: Draft[]): ScenarioIssue[] =>
    drafts
      .map(d => ({
        file: fileName,
        path: formatPath(d.segments),
        segments: d.segments,
        ...locate(doc, lineCounter, d.segments, d.atKey ?? false),
        message: d.message,
      }))
      .map((issue, order) => ({ issue, order }))
      .sort(
        (a, b) =>
          (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
          (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
          a.order - b.order,
      )
      .map(({ issue }) => issue);

  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ScenarioError(
      toIssues([
        {
          segments: [],
          message: `expected a scenario (a map with version, id, title, cluster, images, timeline, expect), got ${describeValue(
            data,
          )}`,
        },
      ]),
    );
  }
  const result = scenarioSchema.safeParse(data, { errorMap: scenarioErrorMap });
  if (!result.success) {
    throw new ScenarioError(toIssues(draftsFromZod(result.error, data)));
  }
  const drafts: Draft[] = [];
  crossCheck(result.data, drafts);
  if (drafts.length > 0) {
    throw new ScenarioError(toIssues(drafts));
  }
  return build(result.data, fileName);
}

/** Reads, parses and validates a scenario file. */
export function loadScenarioFile(filePath: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    throw new ScenarioError([
      {
        file: filePath,
        path: '',
        segments: [],
        message: `cannot read the file: ${(error as Error).message}`,
      },
    ]);
  }
  return parseScenario(text, filePath);
}

/** The outcome of loading one file of a directory. */
export type ScenarioLoadResult =
  | { file: string; scenario: Scenario; error?: undefined }
  | { file: string; scenario?: undefined; error: ScenarioError };

/** The `.yaml` and `.yml` files of a directory, sorted by file name. */
export function listScenarioFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter(e => e.isFile() && /\.ya?ml$/.test(e.name))
    .map(e => e.name)
    .sort((a, b) => {
      if (a === b) {
        return 0;
      }
      return a < b ? -1 : 1;
    })
    .map(name => path.join(dir, name));
}

/**
 * Loads every scenario of a directory, sorted by file name, reporting each
 * file's outcome separately (for runners that go on after a bad file).
 * A scenario whose id is already taken by an earlier file fails.
 */
export function loadScenarioDirResults(dir: string): ScenarioLoadResult[] {
  const ids = new Map<string, string>();
  return listScenarioFiles(dir).map(file => {
    try {
      const scenario = loadScenarioFile(file);
      const other = ids.get(scenario.id);
      if (other !== undefined) {
        throw new ScenarioError([
          {
            file,
            path: 'id',
            segments: ['id'],
            message: `duplicate scenario id ${JSON.stringify(
              scenario.id,
            )} (also in ${other})`,
          },
        ]);
      }
      ids.set(scenario.id, file);
      return { file, scenario };
    } catch (error) {
      if (error instanceof ScenarioError) {
        return { file, error };
      }
      throw error;
    }
  });
}

/**
 * Loads every scenario of a directory, sorted by file name. Throws one
 * {@link ScenarioError} with the issues of every file that fails.
 */
export function loadScenarioDir(dir: string): Scenario[] {
  const results = loadScenarioDirResults(dir);
  const issues = results.flatMap(r => r.error?.issues ?? []);
  if (issues.length > 0) {
    throw new ScenarioError(issues);
  }
  return results.map(r => r.scenario as Scenario);
}
