/**
 * One container of a pod as the kubelet runs it: image pull, environment,
 * the running process (memory, exit, probes, logs), back-off restarts. Every
 * future transition is a computed deadline (one timer each), so an idle
 * healthy container costs nothing.
 */
import type { ImageBehaviour, ResolvedBehaviour } from '../../scenario';
import { DEFAULT_IMAGE_BEHAVIOUR, parseQuantity } from '../../scenario';
import { effectiveBehaviour } from './effective';
import { resolveEnv } from './env';
import {
  fnv1a,
  formatPod,
  goDuration,
  hexId,
  imageIdOf,
  normalizeImage,
  Obj,
  processName,
} from './format';
import type { KubeletHost, Timer } from './host';
import { InstanceLog } from './logs';
import { RateCounters } from './metrics/counters';
import {
  PROBE_FIELDS,
  PROBE_TITLES,
  probeConfig,
  probeOutcome,
  ProbeState,
  ProbeType,
} from './probes';

export type ContainerRole = 'init' | 'sidecar' | 'main';

export const MAX_BACKOFF_MS = 300_000;
const BASE_BACKOFF_MS = 10_000;
const BACKOFF_RESET_MS = 600_000;
const CONFIG_RETRY_MS = 10_000;
/** How long a failed pull shows ErrImagePull before ImagePullBackOff. */
const ERR_IMAGE_PULL_MS = 1_000;

export interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
  containerID: string;
}

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: number }
  | { kind: 'terminated'; term: Terminated };

/** The pod as its containers see it (implemented by PodRuntime). */
export interface PodSide {
  readonly obj: Obj;
  readonly ip: string;
  readonly nodeName: string;
  readonly workload: string;
  readonly frozen: boolean;
  /** Requests/s this pod serves now (0 unless Ready). */
  readonly rps: number;
  readonly qosClass: string;
  containerChanged(c: ContainerRuntime): void;
  containerStarted(c: ContainerRuntime): void;
  containerExited(c: ContainerRuntime, restarting: boolean): void;
  trackDependencies(
    c: ContainerRuntime,
    services: string[],
    config: boolean,
  ): void;
}

interface Instance {
  id: string;
  startedAt: number;
  /** Timing base: startedAt shifted by the time the node was frozen. */
  base: number;
  appReadyAt: number;
  warm: boolean;
  env: Record<string, string>;
  log: InstanceLog;
  memAcc: number;
  memSince: number;
  exitSince: number;
  exitKey: string;
  logsKey: string;
  probes: ProbeState[];
  counters: RateCounters;
}

/** A deadline while the container is not running. */
interface Pending {
  kind: 'backoff' | 'pull' | 'pullBackOff' | 'config';
  at: number;
}

/** CPU the node gives the container (set by the usage model). */
export interface CpuShare {
  demand: number;
  alloc: number;
}

/** The kubelet's oom_score_adj per QoS class (Burstable approximated). */
const OOM_SCORE_ADJ: Record<string, number> = {
  Guaranteed: -997,
  BestEffort: 1000,
  Burstable: 999,
};

function backoffDelay(n: number): number {
  return Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, n - 1), MAX_BACKOFF_MS);
}

function quantity(value: unknown): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  try {
    return parseQuantity(value);
  } catch {
    return undefined;
  }
}

function pullError(image: string, pull: string): string {
  const ref = normalizeImage(image);
  if (pull === 'unauthorized') {
    const repo = ref.split('/').slice(1).join('/').split(':')[0];
    const registry = ref.split('/')[0];
    return `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${registry}/token?scope=repository%3A${encodeURIComponent(
      repo,
    )}%3Apull&service=${registry}: 401 Unauthorized`;
  }
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

export class ContainerRuntime {
  readonly name: string;
  readonly image: string;
  readonly memoryLimit?: number;
  readonly cpuLimit?: number;
  readonly memoryRequest: number;
  readonly cpuRequest: number;
  state: ContainerState;
  lastTerminated?: Terminated;
  restartCount = 0;
  ready = false;
  started = false;
  behaviour: ResolvedBehaviour = DEFAULT_IMAGE_BEHAVIOUR;
  /** Working set when the last instance ended (capped at the limit). */
  lastWorkingSet?: number;
  cpu: CpuShare = { demand: 0, alloc: 0 };
  private instance?: Instance;
  private pending?: Pending;
  private crashCount = 0;
  private pullFailures = 0;
  private attempts = 0;
  /** When the next pull may be tried (image pull back-off). */
  private retryPullAt = 0;
  private hasRun = false;
  private frozenAt?: number;
  private readonly logs = new Map<string, InstanceLog>();
  private timers: Timer[] = [];

  constructor(
    readonly spec: Obj,
    readonly role: ContainerRole,
    private readonly pod: PodSide,
    private readonly host: KubeletHost,
  ) {
    this.name = spec.name;
    this.image = String(spec.image ?? '');
    this.memoryLimit = quantity(spec.resources?.limits?.memory);
    this.cpuLimit = quantity(spec.resources?.limits?.cpu);
    this.memoryRequest =
      quantity(spec.resources?.requests?.memory) ?? this.memoryLimit ?? 0;
    this.cpuRequest =
      quantity(spec.resources?.requests?.cpu) ?? this.cpuLimit ?? 0;
    this.state = {
      kind: 'waiting',
      reason: role === 'main' ? 'ContainerCreating' : 'PodInitializing',
    };
  }

  get running(): boolean {
    return this.instance !== undefined;
  }

  get containerId(): string | undefined {
    if (this.instance) {
      return this.instance.id;
    }
    if (this.state.kind === 'terminated') {
      return this.state.term.containerID;
    }
    return this.lastTerminated?.containerID;
  }

  get imageId(): string {
    return this.hasRun ? imageIdOf(this.image) : '';
  }

  /** Init container that ran to completion. */
  get completed(): boolean {
    return this.state.kind === 'terminated' && this.state.term.exitCode === 0;
  }

  /** Whether the kubelet has tried to create the container. */
  get attempted(): boolean {
    return this.attempts > 0;
  }

  /** Whether the container has been started at least once. */
  get everStarted(): boolean {
    return this.hasRun;
  }

  private get fieldPath(): string {
    const list = this.role === 'main' ? 'containers' : 'initContainers';
    return `spec.${list}{${this.name}}`;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string) {
    this.host.podEvent(this.pod.obj, type, reason, message, this.fieldPath);
  }

  private baseBehaviour(): ImageBehaviour | undefined {
    const base = this.host.image(this.image);
    if (!base && this.role === 'init') {
      // An unlisted init image exits 0 at once.
      return { exit: { after: 0, code: 0 } };
    }
    return base;
  }

  // ------------------------------------------------------------- starting

  /** Creates the container: pull, environment, then the process. */
  begin(): void {
    this.pending = undefined;
    this.attempts += 1;
    const warm = this.host.warm();
    const pull = this.baseBehaviour()?.pull ?? 'ok';
    if (!this.pullImage(pull, warm)) {
      return;
    }
    const env = resolveEnv(this.host.ctx.store, this.pod.obj, this.spec);
    if (!env.ok) {
      this.setWaiting('CreateContainerConfigError', env.message);
      this.event('Warning', 'Failed', `Error: ${env.message}`);
      this.pending = { kind: 'config', at: this.host.now() + CONFIG_RETRY_MS };
      this.schedule();
      return;
    }
    this.run(env.env, warm);
  }

  /** Completes a warm init container at t=0 (it ran before the start). */
  completeWarm(): boolean {
    const base = this.baseBehaviour();
    const exit = base?.exit;
    const pullOk = !base?.pull || base.pull === 'ok';
    const noExit = base && !exit;
    if (!pullOk || noExit || (exit && exit.code !== 0)) {
      return false;
    }
    const now = this.host.now();
    this.hasRun = true;
    this.host.markImagePresent(this.pod.nodeName, this.image);
    this.state = {
      kind: 'terminated',
      term: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: now,
        finishedAt: now,
        containerID: this.newId(),
      },
    };
    this.ready = true;
    return true;
  }

  private newId(): string {
    const uid = this.pod.obj.metadata?.uid ?? '';
    return `containerd://${hexId(`${uid}/${this.name}/${this.attempts}`)}`;
  }

  /** Returns false when the pull failed (state and retry are set). */
  private pullImage(pull: string, warm: boolean): boolean {
    const node = this.pod.nodeName;
    const policy =
      this.spec.imagePullPolicy ??
      (/:latest$|^[^:]*$/.test(this.image.split('/').pop() ?? '')
        ? 'Always'
        : 'IfNotPresent');
    const present = this.host.imagePresent(node, this.image);
    const failing = pull === 'not-found' || pull === 'unauthorized';
    if (warm && !failing) {
      this.host.markImagePresent(node, this.image);
      return true;
    }
    if (present && policy !== 'Always') {
      this.event(
        'Normal',
        'Pulled',
        `Container image "${this.image}" already present on machine`,
      );
      return true;
    }
    this.event('Normal', 'Pulling', `Pulling image "${this.image}"`);
    if (failing) {
      this.pullFailed(pull);
      return false;
    }
    this.pullFailures = 0;
    this.host.markImagePresent(node, this.image);
    const size = 10_000_000 + (fnv1a(this.image) % 90_000_000);
    this.event(
      'Normal',
      'Pulled',
      `Successfully pulled image "${this.image}" in 0s (0s including waiting). Image size: ${size} bytes.`,
    );
    return true;
  }

  private pullFailed(pull: string): void {
    const message = pullError(this.image, pull);
    this.pullFailures += 1;
    this.event(
      'Warning',
      'Failed',
      `Failed to pull image "${this.image}": ${message}`,
    );
    this.event('Warning', 'Failed', 'Error: ErrImagePull');
    this.setWaiting('ErrImagePull', message);
    this.pending = {
      kind: 'pullBackOff',
      at: this.host.now() + ERR_IMAGE_PULL_MS,
    };
    this.retryPullAt = this.host.now() + backoffDelay(this.pullFailures);
    this.schedule();
  }

  private enterPullBackOff(): void {
    const message = `Back-off pulling image "${this.image}"`;
    this.event('Normal', 'BackOff', message);
    this.event('Warning', 'Failed', 'Error: ImagePullBackOff');
    this.setWaiting('ImagePullBackOff', message);
    this.pending = { kind: 'pull', at: this.retryPullAt };
    this.schedule();
  }

  private setWaiting(reason: string, message?: string): void {
    this.state = { kind: 'waiting', reason, message };
    this.ready = false;
    this.started = false;
    this.pod.containerChanged(this);
  }

  // -------------------------------------------------------------- running

  private run(env: Record<string, string>, warm: boolean): void {
    const now = this.host.now();
    if (this.hasRun) {
      this.restartCount += 1;
    }
    this.hasRun = true;
    const id = this.newId();
    const log = new InstanceLog(id, {
      now: () => this.host.now(),
      setTimer: (at, fn) => this.host.timer(at, fn),
    });
    this.keepLog(id, log);
    const inst: Instance = {
      id,
      startedAt: now,
      base: now,
      appReadyAt: now,
      warm,
      env,
      log,
      memAcc: 0,
      memSince: now,
      exitSince: now,
      exitKey: '',
      logsKey: '',
      probes: [],
      counters: new RateCounters(3, now),
    };
    this.instance = inst;
    this.state = { kind: 'running', startedAt: now };
    this.behaviour = this.computeBehaviour(inst);
    inst.exitKey = JSON.stringify(this.behaviour.exit ?? null);
    inst.logsKey = JSON.stringify(this.behaviour.logs);
    inst.appReadyAt = warm ? now : now + this.behaviour.startup;
    log.startCycle(now, this.behaviour.logs);
    if (!warm) {
      this.event('Normal', 'Created', `Created container ${this.name}`);
      this.event('Normal', 'Started', `Started container ${this.name}`);
    }
    inst.probes = this.createProbes(inst, warm);
    this.updateReadiness();
    this.pod.containerChanged(this);
    if (this.baseBehaviour()?.pull === 'wrong-arch') {
      const entry =
        this.spec.command?.[0] ?? '/usr/local/bin/docker-entrypoint.sh';
      this.terminate(1, 'Error', `exec ${entry}: exec format error`);
      return;
    }
    if (this.checkOom()) {
      return;
    }
    this.pod.containerStarted(this);
    this.schedule();
  }

  private keepLog(id: string, log: InstanceLog): void {
    const keep = new Set([id, this.lastTerminated?.containerID]);
    if (this.state.kind === 'terminated') {
      keep.add(this.state.term.containerID);
    }
    for (const key of [...this.logs.keys()]) {
      if (!keep.has(key)) {
        this.logs.delete(key);
      }
    }
    this.logs.set(id, log);
  }

  private createProbes(inst: Instance, warm: boolean): ProbeState[] {
    if (this.role === 'init') {
      return [];
    }
    const probes: ProbeState[] = [];
    for (const type of ['startup', 'liveness', 'readiness'] as ProbeType[]) {
      const config = probeConfig(type, this.spec[PROBE_FIELDS[type]]);
      if (config) {
        const state = new ProbeState(config, type === 'liveness');
        if (warm && type !== 'liveness') {
          state.result = this.outcome(state, inst.base) === undefined;
        }
        probes.push(state);
      }
    }
    return probes;
  }

  private computeBehaviour(inst: Instance): ResolvedBehaviour {
    const effective = effectiveBehaviour(this.host, {
      base: this.baseBehaviour(),
      env: inst.env,
      namespace: this.pod.obj.metadata?.namespace ?? 'default',
      workload: this.pod.workload,
    });
    this.pod.trackDependencies(
      this,
      effective.services,
      effective.watchesConfig,
    );
    return effective.behaviour;
  }

  /**
   * Re-evaluates the effective behaviour (image steps, rules, dependencies)
   * and applies what changed to the running process at once.
   */
  refresh(): void {
    const inst = this.instance;
    if (!inst) {
      return;
    }
    const now = this.host.now();
    const before = this.behaviour;
    const after = this.computeBehaviour(inst);
    this.behaviour = after;
    if (JSON.stringify(before) === JSON.stringify(after)) {
      this.rewarm();
      return;
    }
    this.settleMemory(this.frozenAt ?? now, before.memoryGrowth);
    const exitKey = JSON.stringify(after.exit ?? null);
    if (exitKey !== inst.exitKey) {
      inst.exitKey = exitKey;
      inst.exitSince = now;
    }
    const logsKey = JSON.stringify(after.logs);
    if (logsKey !== inst.logsKey && this.frozenAt === undefined) {
      inst.logsKey = logsKey;
      inst.log.startCycle(now, after.logs);
    }
    if (!inst.warm) {
      inst.appReadyAt = inst.base + after.startup;
    }
    this.rewarm();
    this.pod.containerChanged(this);
    if (this.frozenAt === undefined && this.checkOom()) {
      return;
    }
    this.schedule();
  }

  /** While t=0 settles, a warm container's probes follow its state live. */
  private rewarm(): void {
    const inst = this.instance;
    if (!inst?.warm || !this.host.warm()) {
      return;
    }
    for (const probe of inst.probes) {
      if (probe.config.type !== 'liveness') {
        probe.result = this.outcome(probe, this.host.now()) === undefined;
        probe.successes = 0;
        probe.failures = 0;
      }
    }
    if (this.updateReadiness()) {
      this.pod.containerChanged(this);
    }
  }

  /** The CPU the node gives this container changed. */
  setCpu(now: number, share: CpuShare): void {
    const factorBefore = this.throttleFactor;
    this.cpu = share;
    const inst = this.instance;
    if (!inst) {
      return;
    }
    const hasQuota = this.cpuLimit !== undefined || share.alloc < share.demand;
    const periods = hasQuota ? 10 : 0;
    const throttled =
      share.alloc < share.demand && share.alloc > 0
        ? periods * Math.min(1, share.demand / share.alloc - 1)
        : 0;
    inst.counters.setRates(now, [share.alloc, periods, throttled]);
    if (Math.abs(factorBefore - this.throttleFactor) > 1e-12) {
      this.rewarm();
      this.schedule();
    }
  }

  /** Latency multiplier from CPU throttling (demand / allocation). */
  get throttleFactor(): number {
    const { demand, alloc } = this.cpu;
    return alloc > 0 && demand > alloc ? demand / alloc : 1;
  }

  get throttled(): boolean {
    return this.running && this.cpu.alloc < this.cpu.demand;
  }

  /** cAdvisor counters: [cpu seconds, cfs periods, throttled periods]. */
  counters(now: number): number[] | undefined {
    const inst = this.instance;
    return inst ? inst.counters.read(this.frozenAt ?? now) : undefined;
  }

  // --------------------------------------------------------------- memory

  private settleMemory(now: number, rate: number): void {
    const inst = this.instance;
    if (inst && now > inst.memSince) {
      inst.memAcc += rate * (now - inst.memSince);
      inst.memSince = now;
    }
  }

  /** Current working set in bytes (never above the limit). */
  workingSet(now: number): number | undefined {
    const inst = this.instance;
    if (!inst) {
      return this.hasRun ? this.lastWorkingSet : undefined;
    }
    const at = this.frozenAt ?? now;
    const raw =
      this.behaviour.memory +
      inst.memAcc +
      this.behaviour.memoryGrowth * Math.max(0, at - inst.memSince);
    return this.memoryLimit === undefined
      ? raw
      : Math.min(raw, this.memoryLimit);
  }

  private rawWorkingSet(now: number): number {
    const inst = this.instance!;
    return (
      this.behaviour.memory +
      inst.memAcc +
      this.behaviour.memoryGrowth * Math.max(0, now - inst.memSince)
    );
  }

  /** OOM-kills at once when past the limit; true when it did. */
  private checkOom(): boolean {
    if (
      this.memoryLimit !== undefined &&
      this.rawWorkingSet(this.host.now()) > this.memoryLimit
    ) {
      this.oomKill();
      return true;
    }
    return false;
  }

  private oomTime(now: number): number | undefined {
    const rate = this.behaviour.memoryGrowth;
    if (this.memoryLimit === undefined || rate <= 0) {
      return undefined;
    }
    const ws = this.rawWorkingSet(now);
    // The first millisecond at which the working set is past the limit.
    return now + Math.max(0, Math.floor((this.memoryLimit - ws) / rate) + 1);
  }

  private oomKill(): void {
    const adj = OOM_SCORE_ADJ[this.pod.qosClass] ?? 999;
    const kb = Math.round((this.memoryLimit ?? 0) / 1024);
    const uid = this.pod.obj.metadata?.uid ?? '';
    const pid = 1000 + (fnv1a(`${uid}/${this.name}/${this.attempts}`) % 60000);
    this.host.nodeEvent(
      this.pod.nodeName,
      'Warning',
      'OOMKilling',
      `Memory cgroup out of memory: Killed process ${pid} (${processName(
        this.spec,
      )}) total-vm:${
        kb * 2
      }kB, anon-rss:${kb}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:${Math.max(
        4,
        Math.round(kb / 512),
      )}kB oom_score_adj:${adj}`,
    );
    this.terminate(137, 'OOMKilled');
  }

  // ---------------------------------------------------------------- probes

  private outcome(probe: ProbeState, at: number): string | undefined {
    return probeOutcome(
      probe.config,
      {
        podIP: this.pod.ip,
        container: this.spec,
        behaviour: this.behaviour,
        appReadyAt: this.instance?.appReadyAt ?? Infinity,
        latencyP50: this.behaviour.latency.p50 * this.throttleFactor,
      },
      at,
    );
  }

  private probe(type: ProbeType): ProbeState | undefined {
    return this.instance?.probes.find(p => p.config.type === type);
  }

  /** Recomputes started/ready; true when either changed. */
  private updateReadiness(): boolean {
    const wasReady = this.ready;
    const wasStarted = this.started;
    if (!this.instance) {
      this.started = false;
      this.ready = this.role === 'init' && this.completed;
      return wasReady !== this.ready || wasStarted !== this.started;
    }
    const startup = this.probe('startup');
    const readiness = this.probe('readiness');
    this.started = startup ? startup.result : true;
    this.ready =
      this.role !== 'init' &&
      this.started &&
      (readiness ? readiness.result : true);
    return wasReady !== this.ready || wasStarted !== this.started;
  }

  private tick(probe: ProbeState): void {
    const now = this.host.now();
    const failure = this.outcome(probe, now);
    const result = probe.record(failure === undefined);
    const title = PROBE_TITLES[probe.config.type];
    if (failure !== undefined) {
      this.event('Warning', 'Unhealthy', `${title} probe failed: ${failure}`);
    }
    if (result === 'threshold') {
      this.event(
        'Normal',
        'Killing',
        `Container ${this.name} failed ${probe.config.type} probe, will be restarted`,
      );
      this.terminate(137, 'Error');
      return;
    }
    if (result === 'changed') {
      const wasStarted = this.started;
      if (this.updateReadiness()) {
        this.pod.containerChanged(this);
      }
      if (!wasStarted && this.started) {
        this.pod.containerStarted(this);
      }
    }
    this.schedule();
  }

  /** The next probe tick that can change anything, if any. */
  private probeDeadline(probe: ProbeState, now: number): number | undefined {
    const inst = this.instance!;
    const gated =
      probe.config.type !== 'startup' &&
      this.probe('startup')?.result === false;
    if (gated) {
      return undefined;
    }
    probe.skipTo(inst.base, now);
    const at = probe.tickTime(inst.base);
    const ok = this.outcome(probe, at) === undefined;
    return probe.needsTick(ok) ? at : undefined;
  }

  // ------------------------------------------------------------ deadlines

  /** Re-plans every timer of this container from its state. */
  schedule(): void {
    for (const t of this.timers) {
      t.cancel();
    }
    this.timers = [];
    if (this.frozenAt !== undefined) {
      return;
    }
    const now = this.host.now();
    const at = (time: number, fn: () => void) =>
      this.timers.push(this.host.timer(time, fn));
    const pending = this.pending;
    if (pending) {
      at(pending.at, () => this.onPending(pending));
    }
    const inst = this.instance;
    if (!inst) {
      return;
    }
    const exit = this.behaviour.exit;
    if (exit) {
      const when = Math.max(inst.base, inst.exitSince) + exit.after;
      at(when, () =>
        this.terminate(
          exit.code,
          exit.reason ?? (exit.code === 0 ? 'Completed' : 'Error'),
          exit.log,
        ),
      );
    }
    const oom = this.oomTime(now);
    if (oom !== undefined) {
      at(oom, () => this.oomKill());
    }
    for (const probe of inst.probes) {
      const when = this.probeDeadline(probe, now);
      if (when !== undefined) {
        at(when, () => this.tick(probe));
      }
    }
  }

  private onPending(pending: Pending): void {
    if (this.pending !== pending) {
      return;
    }
    this.pending = undefined;
    if (pending.kind === 'pullBackOff') {
      this.enterPullBackOff();
    } else {
      this.begin();
    }
  }

  // ------------------------------------------------------------- stopping

  /**
   * The process ended: records it, then restarts after the back-off or
   * stays terminated, as the restart policy says.
   */
  terminate(exitCode: number, reason: string, lastLine?: string): void {
    const inst = this.instance;
    if (!inst) {
      return;
    }
    const now = this.host.now();
    if (lastLine !== undefined) {
      inst.log.append(now, [lastLine]);
    }
    inst.log.end(now);
    this.lastWorkingSet =
      reason === 'OOMKilled' && this.memoryLimit !== undefined
        ? this.memoryLimit
        : this.workingSet(now);
    inst.counters.setRates(now, [0, 0, 0]);
    this.instance = undefined;
    const term: Terminated = {
      exitCode,
      reason,
      startedAt: inst.startedAt,
      finishedAt: now,
      containerID: inst.id,
    };
    const restart = this.restarts(exitCode);
    if (restart) {
      if (now - inst.base >= BACKOFF_RESET_MS) {
        this.crashCount = 0;
      }
      this.crashCount += 1;
      const delay = backoffDelay(this.crashCount);
      this.lastTerminated = term;
      const pod = formatPod(this.pod.obj);
      this.state = {
        kind: 'waiting',
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(delay)} restarting failed container=${
          this.name
        } pod=${pod}`,
      };
      this.event(
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${this.name} in pod ${pod}`,
      );
      this.pending = { kind: 'backoff', at: now + delay };
    } else {
      this.state = { kind: 'terminated', term };
    }
    this.updateReadiness();
    this.pod.containerChanged(this);
    this.pod.containerExited(this, restart);
    this.schedule();
  }

  private restarts(exitCode: number): boolean {
    const policy = this.pod.obj.spec?.restartPolicy ?? 'Always';
    if (this.role === 'sidecar') {
      return true;
    }
    if (this.role === 'init') {
      return policy !== 'Never' && exitCode !== 0;
    }
    if (policy === 'Always') {
      return true;
    }
    return policy === 'OnFailure' && exitCode !== 0;
  }

  /** Stops at once without restart (pod deleted or evicted). */
  stop(): void {
    const inst = this.instance;
    this.pending = undefined;
    if (inst) {
      const now = this.host.now();
      this.event('Normal', 'Killing', `Stopping container ${this.name}`);
      inst.log.end(now);
      this.lastWorkingSet = this.workingSet(now);
      inst.counters.setRates(now, [0, 0, 0]);
      this.instance = undefined;
      this.state = {
        kind: 'terminated',
        term: {
          exitCode: 137,
          reason: 'Error',
          startedAt: inst.startedAt,
          finishedAt: now,
          containerID: inst.id,
        },
      };
    }
    this.ready = false;
    this.started = false;
    for (const t of this.timers) {
      t.cancel();
    }
    this.timers = [];
  }

  // ---------------------------------------------------------- node freeze

  freeze(now: number): void {
    if (this.frozenAt !== undefined) {
      return;
    }
    this.settleMemory(now, this.behaviour.memoryGrowth);
    this.instance?.log.pause(now);
    this.instance?.counters.pause(now);
    this.frozenAt = now;
    this.schedule();
  }

  resume(now: number): void {
    const frozenAt = this.frozenAt;
    if (frozenAt === undefined) {
      return;
    }
    const shift = now - frozenAt;
    this.frozenAt = undefined;
    if (this.pending) {
      this.pending = { ...this.pending, at: this.pending.at + shift };
    }
    this.retryPullAt += shift;
    const inst = this.instance;
    if (inst) {
      inst.base += shift;
      inst.appReadyAt += shift;
      inst.exitSince += shift;
      inst.memSince = now;
      inst.log.resume(now);
      inst.counters.resume(now);
    }
    this.schedule();
  }

  // ------------------------------------------------------------------ logs

  /** The log for a read, following the kubelet's choice of instance. */
  logFor(previous: boolean): InstanceLog | string {
    const podName = this.pod.obj.metadata?.name;
    if (previous) {
      const id = this.lastTerminated?.containerID;
      const log = id ? this.logs.get(id) : undefined;
      return (
        log ??
        `previous terminated container "${this.name}" in pod "${podName}" not found`
      );
    }
    const id = this.containerId;
    const log = id ? this.logs.get(id) : undefined;
    if (log) {
      return log;
    }
    let reason = this.state.kind === 'waiting' ? this.state.reason : '';
    if (reason === 'ErrImagePull') {
      reason = "image can't be pulled";
    } else if (reason === 'ImagePullBackOff') {
      reason = 'trying and failing to pull image';
    }
    return `container "${this.name}" in pod "${podName}" is waiting to start: ${reason}`;
  }

  /** Raw lines from a `log` step, if the container runs. */
  appendLog(lines: string[]): void {
    if (this.instance && this.frozenAt === undefined) {
      this.instance.log.append(this.host.now(), lines);
    }
  }

  /** The current instance's resolved environment (tests, rules). */
  get env(): Record<string, string> | undefined {
    return this.instance?.env;
  }
}
