import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

/** A timer that can be cancelled. @public */
export interface AiSreTimer {
  cancel(): void;
}

/**
 * The clock every time-dependent decision of AI SRE reads (debounce,
 * windows, baselines, back-off, MTTD and MTTR). The wall clock in
 * production; a virtual clock in tests and in `yarn eval`.
 *
 * @public
 */
export interface AiSreClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): AiSreTimer;
}

/** The wall clock. @public */
export const wallClock: AiSreClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * The clock service; replace its factory to run the plugin on another clock.
 *
 * @public
 */
export const aiSreClockServiceRef = createServiceRef<AiSreClock>({
  id: 'ai-sre.clock',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => wallClock,
    }),
});
