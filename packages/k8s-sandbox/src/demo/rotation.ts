/**
 * Fault rotation for the demo: injects fault scenarios into a running
 * simulated cluster, in order and cycling, on the cluster's virtual clock.
 */
import type { TimerHandle } from '../clock';
import type { Scenario } from '../scenario';
import type { SimulatedCluster } from '../sim/SimulatedCluster';

/** What {@link FaultRotationOptions.onInject} is told about an injection. */
export interface FaultInjection {
  /** The fault that was injected. */
  fault: Scenario;
  /** Its position in the list of faults. */
  index: number;
  /** How many injections came before this one (all faults, all cycles). */
  count: number;
  /** The virtual clock's time, epoch ms. */
  at: number;
  /** Simulated ms since the cluster started. */
  elapsedMs: number;
  /** Timeline steps scheduled. */
  steps: number;
}

export interface FaultRotationOptions {
  /** Simulated ms from now until the first fault; default 45s. */
  firstAfterMs?: number;
  /** Simulated ms between two faults; default 5 minutes. */
  everyMs?: number;
  /** Called after each injection. */
  onInject?: (injection: FaultInjection) => void;
  /**
   * Called when a fault cannot be injected; the rotation goes on with the
   * next. Default: rethrow (the clock's error handling applies).
   */
  onError?: (error: unknown, fault: Scenario) => void;
}

/**
 * Injects `faults` into `cluster` one after the other, cycling: the first
 * `firstAfterMs` from now, then one every `everyMs`, all on the cluster's
 * virtual clock. Returns a function that stops the rotation (steps of faults
 * already injected still run).
 */
export function startFaultRotation(
  cluster: SimulatedCluster,
  faults: Scenario[],
  options: FaultRotationOptions = {},
): () => void {
  const { firstAfterMs = 45_000, everyMs = 5 * 60_000 } = options;
  if (!Number.isFinite(firstAfterMs) || firstAfterMs < 0) {
    throw new RangeError('firstAfterMs must be a non-negative number');
  }
  if (!Number.isFinite(everyMs) || everyMs <= 0) {
    throw new RangeError('everyMs must be a positive number');
  }
  if (faults.length === 0) {
    return () => {};
  }
  const clock = cluster.clock;
  let count = 0;
  let stopped = false;
  let handle: TimerHandle | undefined;

  const fire = () => {
    handle = undefined;
    if (stopped) {
      return;
    }
    const index = count % faults.length;
    const fault = faults[index];
    const injection = count++;
    // Schedule the next one first, so a failed injection does not end it.
    handle = clock.setTimeout(fire, everyMs);
    let steps: number;
    try {
      steps = cluster.inject(fault);
    } catch (error) {
      if (!options.onError) {
        throw error;
      }
      options.onError(error, fault);
      return;
    }
    options.onInject?.({
      fault,
      index,
      count: injection,
      at: clock.now(),
      elapsedMs: cluster.elapsed(),
      steps,
    });
  };

  handle = clock.setTimeout(fire, firstAfterMs);
  return () => {
    stopped = true;
    clock.clear(handle);
    handle = undefined;
  };
}
