export { ChangeTracker, defaultIgnore } from './ChangeTracker';
export type {
  ChangeTrackerOptions,
  ConfigVersion,
  ObserveContext,
  WorkloadReference,
} from './ChangeTracker';
export { diffValues, diffSegments, formatPath, jsonEqual } from './diff';
export type { DiffEntry, PathSegment, SegmentedDiffEntry } from './diff';
export { referencesIn } from './references';
