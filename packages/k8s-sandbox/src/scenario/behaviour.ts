import type {
  BehaviourOverlay,
  ImageBehaviour,
  ImageDependency,
  ImageRule,
  Latency,
  ProbeAnswer,
  PullBehaviour,
} from './types';

/** An image behaviour with the defaults of the spec filled in. */
export interface ResolvedBehaviour extends ImageBehaviour {
  pull: PullBehaviour;
  startup: number;
  cpu: number;
  memory: number;
  memoryGrowth: number;
  cpuPerRequest: number;
  latency: Latency;
  errorRate: number;
  liveness: ProbeAnswer;
  readiness: ProbeAnswer;
  logs: string[];
  dependsOn: ImageDependency[];
  rules: ImageRule[];
  // Left undefined when absent: `traffic` (the workload's traffic belongs
  // to the first container whose image sets it), `exit` (never exits),
  // `ports` (the container's declared ports), `paths` (every path).
}

/** Defaults of an image behaviour (what `{}` means). */
export const DEFAULT_IMAGE_BEHAVIOUR: Readonly<ResolvedBehaviour> =
  Object.freeze({
    pull: 'ok',
    startup: 2000,
    cpu: 0.05,
    memory: 64 * 2 ** 20,
    memoryGrowth: 0,
    cpuPerRequest: 0,
    latency: Object.freeze({ p50: 20, p99: 100 }),
    errorRate: 0,
    liveness: 'ok',
    readiness: 'ok',
    logs: [],
    dependsOn: [],
    rules: [],
  } as ResolvedBehaviour);

function definedEntries<T extends object>(value: T): [keyof T, unknown][] {
  return (Object.entries(value) as [keyof T, unknown][]).filter(
    ([, v]) => v !== undefined,
  );
}

/**
 * The effective behaviour: `base` with defaults, overlaid in turn by
 * `overlays` (image steps, active rules, then active onFailure entries, each
 * in file order). A later key replaces an earlier one whole, except that
 * `errorRate` takes the largest value and the `logs` of all overlays that
 * set them are concatenated and replace the base list.
 */
export function resolveBehaviour(
  base: ImageBehaviour | undefined,
  overlays: readonly BehaviourOverlay[] = [],
): ResolvedBehaviour {
  const result: Record<string, unknown> = { ...DEFAULT_IMAGE_BEHAVIOUR };
  for (const [key, value] of definedEntries(base ?? {})) {
    result[key] = value;
  }
  let errorRate = result.errorRate as number;
  let overlayLogs: string[] | undefined;
  for (const overlay of overlays) {
    for (const [key, value] of definedEntries(overlay)) {
      if (key === 'errorRate') {
        errorRate = Math.max(errorRate, value as number);
      } else if (key === 'logs') {
        overlayLogs = [...(overlayLogs ?? []), ...(value as string[])];
      } else {
        result[key] = value;
      }
    }
  }
  result.errorRate = errorRate;
  if (overlayLogs) {
    result.logs = overlayLogs;
  }
  return result as unknown as ResolvedBehaviour;
}
