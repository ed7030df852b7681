/**
 * The offline triage CLI (`yarn ai-sre analyze`): the AI SRE detectors and
 * reasoning, once, over a live cluster or a saved snapshot.
 *
 * @packageDocumentation
 */
export * from './report';
export { analyze, componentOf, telemetryKinds } from './analyze';
export type { AnalyzeOptions, AnalysisResult } from './analyze';
export { formatMarkdown, formatReport, formatText } from './format';
export type { OutputFormat } from './format';
export { revisionChanges } from './history';
export {
  InputError,
  parseSnapshot,
  readSnapshots,
  snapshotTime,
} from './snapshot';
export type { RawObject, ReadResult } from './snapshot';
export { main, parseArgs, USAGE } from './cli';
export type { CliArgs, CliIo } from './cli';
