/**
 * Probes: how the simulated app answers a liveness, readiness or startup
 * probe at a given moment (with the kubelet's real failure messages), and
 * the per-probe threshold bookkeeping.
 */
import type { ResolvedBehaviour } from '../../scenario';
import type { Obj } from './format';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

export const PROBE_FIELDS: Record<ProbeType, string> = {
  startup: 'startupProbe',
  liveness: 'livenessProbe',
  readiness: 'readinessProbe',
};

export const PROBE_TITLES: Record<ProbeType, string> = {
  startup: 'Startup',
  liveness: 'Liveness',
  readiness: 'Readiness',
};

export interface ProbeConfig {
  type: ProbeType;
  spec: Obj;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
}

export function probeConfig(
  type: ProbeType,
  spec: Obj | undefined,
): ProbeConfig | undefined {
  if (!spec) {
    return undefined;
  }
  const num = (v: unknown, d: number) =>
    typeof v === 'number' && v >= 0 ? v : d;
  return {
    type,
    spec,
    initialDelayMs: num(spec.initialDelaySeconds, 0) * 1000,
    periodMs: Math.max(1, num(spec.periodSeconds, 10)) * 1000,
    timeoutMs: Math.max(1, num(spec.timeoutSeconds, 1)) * 1000,
    failureThreshold: Math.max(1, num(spec.failureThreshold, 3)),
    successThreshold:
      type === 'readiness' ? Math.max(1, num(spec.successThreshold, 1)) : 1,
  };
}

/** What the app sees at the moment of a probe. */
export interface ProbeSubject {
  podIP: string;
  container: Obj;
  behaviour: ResolvedBehaviour;
  /** The app answers probes from this time on (start + `startup`). */
  appReadyAt: number;
  /** Current p50 latency in ms, throttling included. */
  latencyP50: number;
}

/** Resolves a probe's port (number or container port name). */
export function resolvePort(container: Obj, port: unknown): number | undefined {
  if (typeof port === 'number') {
    return port;
  }
  if (typeof port === 'string' && /^\d+$/.test(port)) {
    return Number(port);
  }
  const named = (container.ports ?? []).find((p: Obj) => p.name === port);
  return named ? Number(named.containerPort) : undefined;
}

/**
 * Whether the app listens on `port`: its `ports`, or else the container's
 * declared ports. A container that declares none and whose image names no
 * `ports` is taken to listen wherever it is asked (most manifests omit
 * informational ports).
 */
export function appListens(
  container: Obj,
  behaviour: ResolvedBehaviour,
  port: number,
): boolean {
  const declared = (container.ports ?? []).map((p: Obj) =>
    Number(p.containerPort),
  );
  const ports = behaviour.ports ?? declared;
  if (behaviour.ports === undefined && declared.length === 0) {
    return true;
  }
  return ports.includes(port);
}

function answer(type: ProbeType, behaviour: ResolvedBehaviour): boolean {
  return type === 'readiness'
    ? behaviour.readiness !== 'fail'
    : behaviour.liveness !== 'fail';
}

function httpOutcome(
  type: ProbeType,
  subject: ProbeSubject,
  http: Obj,
  timeoutMs: number,
  now: number,
): string | undefined {
  const port = resolvePort(subject.container, http.port);
  const host = http.host ?? subject.podIP;
  const scheme = String(http.scheme ?? 'HTTP').toLowerCase();
  const path = String(http.path ?? '/');
  const url = `${scheme}://${host}:${port ?? http.port}${path}`;
  const refused = `Get "${url}": dial tcp ${host}:${port}: connect: connection refused`;
  if (port === undefined) {
    return `Get "${url}": dial tcp ${host}:0: connect: connection refused`;
  }
  if (now < subject.appReadyAt) {
    return refused;
  }
  if (!appListens(subject.container, subject.behaviour, port)) {
    return refused;
  }
  if (subject.behaviour.paths && !subject.behaviour.paths.includes(path)) {
    return 'HTTP probe failed with statuscode: 404';
  }
  if (subject.latencyP50 > timeoutMs) {
    return `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  }
  if (!answer(type, subject.behaviour)) {
    const code = type === 'readiness' ? 503 : 500;
    return `HTTP probe failed with statuscode: ${code}`;
  }
  return undefined;
}

function tcpOutcome(
  type: ProbeType,
  subject: ProbeSubject,
  tcp: Obj,
  timeoutMs: number,
  now: number,
): string | undefined {
  const port = resolvePort(subject.container, tcp.port) ?? 0;
  const host = tcp.host ?? subject.podIP;
  const refused = `dial tcp ${host}:${port}: connect: connection refused`;
  if (now < subject.appReadyAt || !answer(type, subject.behaviour)) {
    return refused;
  }
  if (!appListens(subject.container, subject.behaviour, port)) {
    return refused;
  }
  if (subject.latencyP50 > timeoutMs) {
    return `dial tcp ${host}:${port}: i/o timeout`;
  }
  return undefined;
}

/** Undefined when the probe succeeds, else the failure message. */
export function probeOutcome(
  config: ProbeConfig,
  subject: ProbeSubject,
  now: number,
): string | undefined {
  const spec = config.spec;
  if (spec.httpGet) {
    return httpOutcome(
      config.type,
      subject,
      spec.httpGet,
      config.timeoutMs,
      now,
    );
  }
  if (spec.tcpSocket) {
    return tcpOutcome(
      config.type,
      subject,
      spec.tcpSocket,
      config.timeoutMs,
      now,
    );
  }
  const ok =
    now >= subject.appReadyAt && answer(config.type, subject.behaviour);
  if (ok) {
    return undefined;
  }
  if (spec.grpc) {
    const port = spec.grpc.port;
    return now < subject.appReadyAt
      ? `timeout: failed to connect service "${subject.podIP}:${port}" within ${
          config.timeoutMs / 1000
        }s: context deadline exceeded`
      : 'service unhealthy (responded with "NOT_SERVING")';
  }
  const command = (spec.exec?.command ?? []).join(' ');
  return `command "${command}" exited with code 1`;
}

/** Threshold bookkeeping of one probe of one container instance. */
export class ProbeState {
  successes = 0;
  failures = 0;
  /** Index of the next tick to run (tick k at base + k × period). */
  next = 0;
  /** Readiness: ready; startup: succeeded; liveness: alive. */
  result: boolean;

  constructor(readonly config: ProbeConfig, initial: boolean) {
    this.result = initial;
  }

  tickTime(base: number, k = this.next): number {
    return base + this.config.initialDelayMs + k * this.config.periodMs;
  }

  /** Moves `next` to the first tick at or after `at`. */
  skipTo(base: number, at: number): void {
    const first = base + this.config.initialDelayMs;
    const k = Math.ceil((at - first) / this.config.periodMs);
    this.next = Math.max(this.next, k, 0);
  }

  /**
   * Records one result; returns `'changed'` when the result flipped,
   * `'threshold'` when failures reached the threshold (liveness/startup).
   */
  record(ok: boolean): 'changed' | 'threshold' | undefined {
    this.next += 1;
    if (ok) {
      this.successes += 1;
      this.failures = 0;
      if (!this.result && this.successes >= this.config.successThreshold) {
        this.result = true;
        return 'changed';
      }
      return undefined;
    }
    this.failures += 1;
    this.successes = 0;
    if (this.failures >= this.config.failureThreshold) {
      if (this.config.type !== 'readiness') {
        return 'threshold';
      }
      if (this.result) {
        this.result = false;
        return 'changed';
      }
    }
    return undefined;
  }

  /** Whether the next tick can change anything (else it need not run). */
  needsTick(nextOk: boolean): boolean {
    if (!nextOk) {
      return true;
    }
    if (this.config.type === 'liveness') {
      return this.failures > 0;
    }
    return !this.result || this.failures > 0;
  }
}
