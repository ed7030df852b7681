/**
 * The safety/policy step and the execution decision: deterministic code over
 * the policy configuration, catalog data and execution history. A model may
 * propose a plan; only this code decides whether it runs, waits for a human,
 * or is only watched. Every decision is explained in plain words naming the
 * rule (its config key) and the values compared.
 */
import {
  formatObjectRef,
  REMEDIATION_ACTIONS,
  type ObjectRef,
  type Signal,
} from '@internal/plugin-ai-sre-common';
import type { Hypothesis, PlanStep, SignalGroup } from '../reasoning/types';
import { NON_CHANGE_ACTIONS, type PolicyConfig } from './config';
import {
  maintenanceWindowFor,
  matchesPattern,
  normalizeEntityRef,
} from './suppression';

/** What the policy step needs to decide. */
export interface PolicyInput {
  plan: PlanStep[];
  hypothesis: Hypothesis;
  group: SignalGroup;
  /** The incident's catalog entity, or null when unmapped. */
  entity: {
    ref: string;
    lifecycle: string | null;
    ownerRef: string | null;
  } | null;
  history: {
    /** Cluster changes executed for the entity in the last hour. */
    actionsForEntityLastHour: number;
    /** Executions already attempted for this incident. */
    attemptsForIncident: number;
  };
  /** Kill-switches set at runtime (on top of those in the config). */
  killSwitch: { global: boolean; entityRefs: string[] };
  /** Epoch ms, from the injected clock. */
  now: number;
  config: PolicyConfig;
}

/** The decision about one plan step. */
export interface PolicyStepDecision {
  index: number;
  action: string;
  /** The step may run (after approval when `needsApproval`). */
  allowed: boolean;
  /** The step must not run without a human's approval. */
  needsApproval: boolean;
  reasons: string[];
}

/** The outcome of the policy step. */
export interface PolicyDecision {
  decision: 'auto-execute' | 'ask-human' | 'monitor' | 'refuse';
  steps: PolicyStepDecision[];
  reasons: string[];
  /** Tell the owner although nothing runs (kill-switch, retries, refusal). */
  notify: boolean;
  /** Approved steps must run as server-side dry-runs only. */
  dryRun: boolean;
}

const KEY = 'aiSre.policy';

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n} ${n === 1 ? one : many}`;

const isChange = (action: string) =>
  !(NON_CHANGE_ACTIONS as readonly string[]).includes(action);

const sameRef = (a: ObjectRef, b: ObjectRef) =>
  a.kind === b.kind &&
  (a.namespace ?? '') === (b.namespace ?? '') &&
  a.name === b.name;

const show = (ref: ObjectRef | null) =>
  ref ? formatObjectRef(ref) : 'no target';

function num(value: unknown): number | undefined {
  const n =
    typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** A measured quantity: exact, a lower bound, or unknown. */
interface Measure {
  value: number;
  /** Where the number came from. */
  basis: string;
  /** Only a lower bound is known. */
  atLeast?: boolean;
}

type Measured = Measure | 'unknown' | undefined;

/** Signals about a workload (it, its pods, or anything it owns). */
function signalsOf(group: SignalGroup, target: ObjectRef): Signal[] {
  return group.signals.filter(
    s =>
      sameRef(s.workload, target) ||
      sameRef(s.object, target) ||
      s.ownerChain.some(o => sameRef(o, target)),
  );
}

/** The current replica count of a workload, from the plan or the evidence. */
function replicasOf(
  step: PlanStep,
  target: ObjectRef,
  group: SignalGroup,
): Measured {
  for (const key of ['currentReplicas', 'previousReplicas', 'fromReplicas']) {
    const n = num(step.params[key]);
    if (n !== undefined) {
      return { value: n, basis: `the plan's ${key} parameter` };
    }
  }
  const signals = signalsOf(group, target);
  for (const s of signals) {
    if (!sameRef(s.workload, target) && !sameRef(s.object, target)) continue;
    for (const key of ['replicas', 'desiredReplicas']) {
      const n = num(s.evidence.fields[key]);
      if (n !== undefined) {
        return { value: n, basis: `${key} in the ${s.detector} signal` };
      }
    }
  }
  const pods = new Set<string>();
  for (const s of signals) {
    if (s.object.kind === 'Pod') pods.add(s.object.name);
    const listed = s.evidence.fields.pods;
    if (Array.isArray(listed)) {
      for (const p of listed) if (typeof p === 'string') pods.add(p);
    }
  }
  if (pods.size) {
    return {
      value: pods.size,
      basis: `${plural(pods.size, 'pod')} seen in the evidence`,
      atLeast: true,
    };
  }
  return 'unknown';
}

/** Pods running on a node, from node signals in the group. */
function podsOnNode(name: string, group: SignalGroup): Measured {
  for (const s of group.signals) {
    if (s.object.kind !== 'Node' || s.object.name !== name) continue;
    const n = num(s.evidence.fields.podsOnNode);
    if (n !== undefined) {
      return { value: n, basis: `podsOnNode in the ${s.detector} signal` };
    }
    const listed = s.evidence.fields.pods;
    if (Array.isArray(listed)) {
      return {
        value: listed.length,
        basis: `the pods listed in the ${s.detector} signal`,
      };
    }
  }
  return 'unknown';
}

function countList(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'string' && value.trim()) {
    return value.split(',').filter(x => x.trim()).length;
  }
  return num(value);
}

interface StepImpact {
  replicasChanged?: Measured;
  podsRestarted?: Measured;
  nodes?: string[];
}

/** What a step touches: replicas changed, pods restarted, nodes. */
function impactOf(step: PlanStep, group: SignalGroup): StepImpact {
  const target = step.target;
  if (!target) return {};
  const action = step.action as string;
  switch (action) {
    case 'rollback-deployment':
    case 'restart-workload':
    case 'set-resources':
      return { podsRestarted: replicasOf(step, target, group) };
    case 'revert-config': {
      // Readers of the config are restarted: the group's workloads.
      const workloads = new Map<string, ObjectRef>();
      for (const s of group.signals) {
        if (s.workload.kind !== 'Node' && s.workload.kind !== target.kind) {
          workloads.set(formatObjectRef(s.workload), s.workload);
        }
      }
      let total = 0;
      let atLeast = false;
      for (const w of workloads.values()) {
        const m = replicasOf(step, w, group);
        if (m === 'unknown' || m === undefined)
          return { podsRestarted: 'unknown' };
        total += m.value;
        atLeast = atLeast || !!m.atLeast;
      }
      if (!workloads.size) return { podsRestarted: 'unknown' };
      return {
        podsRestarted: {
          value: total,
          basis: `the replicas of ${plural(
            workloads.size,
            'workload',
          )} that read it`,
          atLeast,
        },
      };
    }
    case 'scale-workload': {
      const wanted = num(step.params.replicas);
      const current = replicasOf(step, target, group);
      if (
        wanted === undefined ||
        current === 'unknown' ||
        current === undefined ||
        current.atLeast
      ) {
        return { replicasChanged: 'unknown' };
      }
      return {
        replicasChanged: {
          value: Math.abs(wanted - current.value),
          basis: `from ${current.value} (${current.basis}) to ${wanted} replicas`,
        },
      };
    }
    case 'set-autoscaler': {
      const deltas: string[] = [];
      let delta = 0;
      for (const [next, prev] of [
        ['maxReplicas', 'previousMaxReplicas'],
        ['minReplicas', 'previousMinReplicas'],
      ]) {
        const a = num(step.params[next]);
        if (a === undefined) continue;
        const b = num(step.params[prev]);
        if (b === undefined) return { replicasChanged: 'unknown' };
        if (Math.abs(a - b) > delta) delta = Math.abs(a - b);
        deltas.push(`${next} ${b} to ${a}`);
      }
      if (!deltas.length) return { replicasChanged: 'unknown' };
      return {
        replicasChanged: {
          value: delta,
          basis: `the autoscaler may change the workload by that many replicas (${deltas.join(
            ', ',
          )})`,
        },
      };
    }
    case 'cordon-node':
      return { nodes: [target.name] };
    case 'drain-node':
      return {
        nodes: [target.name],
        podsRestarted: podsOnNode(target.name, group),
      };
    case 'delete-pod': {
      const n = countList(step.params.pods) ?? num(step.params.count);
      return {
        podsRestarted:
          n !== undefined
            ? { value: n, basis: "the plan's pods parameter" }
            : { value: 1, basis: 'one pod' },
      };
    }
    default:
      return {};
  }
}

interface StepState {
  step: PlanStep;
  index: number;
  change: boolean;
  allowed: boolean;
  needsApproval: boolean;
  reasons: string[];
}

/** Kinds a target stands for: itself and, for a Pod, its owners. */
function kindsOf(target: ObjectRef, group: SignalGroup): string[] {
  const kinds = [target.kind];
  if (target.kind === 'Pod') {
    for (const s of group.signals) {
      if (sameRef(s.object, target)) {
        for (const o of s.ownerChain) kinds.push(o.kind);
      }
    }
  }
  return kinds;
}

function checkBlastRadius(states: StepState[], input: PolicyInput) {
  const { config, group } = input;
  const limits = config.blastRadius;
  const refuse = limits.onExceed === 'refuse';
  const impacts = states.map(s =>
    s.change && s.allowed ? impactOf(s.step, group) : {},
  );

  const over = (state: StepState, text: string) => {
    if (refuse) {
      state.allowed = false;
      state.reasons.push(
        `Refused: ${text} (${KEY}.blastRadius.onExceed is refuse).`,
      );
    } else {
      state.needsApproval = true;
      state.reasons.push(`Needs approval: ${text}.`);
    }
  };
  const unmeasured = (state: StepState, what: string) => {
    state.needsApproval = true;
    state.reasons.push(
      `Needs approval: the evidence does not tell how many ${what} ${
        state.step.action
      } on ${show(
        state.step.target,
      )} affects, so the blast-radius limit cannot be checked.`,
    );
  };

  const quantities: Array<{
    key: 'replicasChanged' | 'podsRestarted';
    limitKey: 'maxReplicasChanged' | 'maxPodsRestarted';
    noun: string;
    verb: string;
  }> = [
    {
      key: 'replicasChanged',
      limitKey: 'maxReplicasChanged',
      noun: 'replica',
      verb: 'changes',
    },
    {
      key: 'podsRestarted',
      limitKey: 'maxPodsRestarted',
      noun: 'pod',
      verb: 'restarts or evicts',
    },
  ];
  for (const q of quantities) {
    const limit = limits[q.limitKey];
    let total = 0;
    let totalAtLeast = false;
    const contributors: Array<{ state: StepState; m: Measure }> = [];
    impacts.forEach((impact, i) => {
      const m = impact[q.key];
      if (m === undefined) return;
      if (m === 'unknown') {
        unmeasured(states[i], `${q.noun}s`);
        return;
      }
      total += m.value;
      totalAtLeast = totalAtLeast || !!m.atLeast;
      contributors.push({ state: states[i], m });
    });
    for (const { state, m } of contributors) {
      const own = `${state.step.action} on ${show(state.step.target)} ${
        q.verb
      } ${m.atLeast ? 'at least ' : ''}${plural(m.value, q.noun)} (${m.basis})`;
      if (total > limit) {
        const all =
          contributors.length > 1
            ? `; the plan ${q.verb} ${totalAtLeast ? 'at least ' : ''}${plural(
                total,
                q.noun,
              )} in all`
            : '';
        over(
          state,
          `${own}${all}, above the limit of ${limit} (${KEY}.blastRadius.${q.limitKey})`,
        );
      } else if (m.atLeast) {
        state.needsApproval = true;
        state.reasons.push(
          `Needs approval: ${own}, but the evidence gives only a lower bound, so the limit of ${limit} (${KEY}.blastRadius.${q.limitKey}) cannot be confirmed.`,
        );
      } else {
        state.reasons.push(
          `Within the blast-radius limit: ${own}${
            contributors.length > 1 ? `; ${total} in all` : ''
          }, at most ${limit} allowed (${KEY}.blastRadius.${q.limitKey}).`,
        );
      }
    }
  }

  const nodes = new Set<string>();
  impacts.forEach(impact => impact.nodes?.forEach(n => nodes.add(n)));
  impacts.forEach((impact, i) => {
    if (!impact.nodes?.length) return;
    const state = states[i];
    const text = `the plan touches ${plural(nodes.size, 'node')} (${[
      ...nodes,
    ].join(', ')})`;
    if (nodes.size > limits.maxNodesTouched) {
      over(
        state,
        `${text}, above the limit of ${limits.maxNodesTouched} (${KEY}.blastRadius.maxNodesTouched)`,
      );
    } else {
      state.reasons.push(
        `Within the blast-radius limit: ${text}, at most ${limits.maxNodesTouched} allowed (${KEY}.blastRadius.maxNodesTouched).`,
      );
    }
  });
}

/** Per-step rules: allow-list, targets, approval rules, auto-execution list. */
function checkStep(
  step: PlanStep,
  index: number,
  input: PolicyInput,
): StepState {
  const { config, entity, group } = input;
  const action = step.action as string;
  const state: StepState = {
    step,
    index,
    change: isChange(action),
    allowed: true,
    needsApproval: false,
    reasons: [],
  };
  if (!(REMEDIATION_ACTIONS as readonly string[]).includes(action)) {
    state.allowed = false;
    state.change = true;
    state.reasons.push(
      `Refused: "${action}" is not one of the allow-listed remediation actions (${REMEDIATION_ACTIONS.join(
        ', ',
      )}).`,
    );
    return state;
  }
  if (!config.allowedActions.includes(step.action)) {
    state.allowed = false;
    state.reasons.push(
      `Refused: ${action} is not in ${KEY}.allowedActions (${
        config.allowedActions.join(', ') || 'empty'
      }).`,
    );
    return state;
  }
  if (!state.change) {
    state.reasons.push(
      `${action} changes nothing in the cluster and is allow-listed.`,
    );
    return state;
  }
  if (!step.target) {
    state.allowed = false;
    state.reasons.push(
      `Refused: ${action} names no target object, so what it would change cannot be checked.`,
    );
    return state;
  }
  state.reasons.push(`${action} is in ${KEY}.allowedActions.`);

  const rules = config.requireApproval;
  const target = step.target;
  if (rules.actions.includes(step.action)) {
    state.needsApproval = true;
    state.reasons.push(
      `Needs approval: ${action} is listed in ${KEY}.requireApproval.actions.`,
    );
  }
  if (rules.risks.includes(step.risk)) {
    state.needsApproval = true;
    state.reasons.push(
      `Needs approval: the step's risk is ${step.risk}, listed in ${KEY}.requireApproval.risks.`,
    );
  }
  if (entity) {
    const lifecycle = entity.lifecycle?.toLowerCase();
    const rule = rules.lifecycles.find(l => l.toLowerCase() === lifecycle);
    if (rule) {
      state.needsApproval = true;
      state.reasons.push(
        `Needs approval: ${entity.ref} has lifecycle ${entity.lifecycle}, listed in ${KEY}.requireApproval.lifecycles.`,
      );
    }
  } else if (rules.unknownEntity) {
    state.needsApproval = true;
    state.reasons.push(
      `Needs approval: the incident has no catalog entity, so its lifecycle and owner are unknown (${KEY}.requireApproval.unknownEntity).`,
    );
  }
  const kinds = kindsOf(target, group);
  const kind = rules.kinds.find(k => kinds.includes(k));
  if (kind) {
    state.needsApproval = true;
    state.reasons.push(
      kind === target.kind
        ? `Needs approval: the target ${show(
            target,
          )} is a ${kind}, listed in ${KEY}.requireApproval.kinds.`
        : `Needs approval: the target ${show(
            target,
          )} belongs to a ${kind}, listed in ${KEY}.requireApproval.kinds.`,
    );
  }
  if (target.namespace) {
    const pattern = rules.namespaces.find(p =>
      matchesPattern(p, target.namespace!),
    );
    if (pattern) {
      state.needsApproval = true;
      state.reasons.push(
        `Needs approval: the target is in namespace ${target.namespace}, matching "${pattern}" in ${KEY}.requireApproval.namespaces.`,
      );
    }
  }
  return state;
}

function killSwitchReason(input: PolicyInput): string | undefined {
  const { config, killSwitch } = input;
  if (killSwitch.global) {
    return 'The global kill-switch is on (set at runtime): nothing is executed.';
  }
  if (config.killSwitch.global) {
    return `The global kill-switch is on (${KEY}.killSwitch.global): nothing is executed.`;
  }
  const refs = new Set(
    [input.entity?.ref, input.hypothesis.entityRef, ...input.group.entityRefs]
      .filter((r): r is string => !!r)
      .map(normalizeEntityRef),
  );
  const runtime = killSwitch.entityRefs.find(r =>
    refs.has(normalizeEntityRef(r)),
  );
  if (runtime) {
    return `The kill-switch for ${runtime} is on (set at runtime): nothing is executed for it.`;
  }
  const configured = config.killSwitch.entities.find(r =>
    refs.has(normalizeEntityRef(r)),
  );
  if (configured) {
    return `The kill-switch for ${configured} is on (${KEY}.killSwitch.entities): nothing is executed for it.`;
  }
  return undefined;
}

function blockAll(states: StepState[], reason: string) {
  for (const s of states) {
    if (!s.change || !s.allowed) continue;
    s.allowed = false;
    s.reasons.push(reason);
  }
}

function finish(
  decision: PolicyDecision['decision'],
  states: StepState[],
  reasons: string[],
  extra: { notify: boolean; dryRun: boolean },
): PolicyDecision {
  return {
    decision,
    steps: states.map(s => ({
      index: s.index,
      action: s.step.action,
      allowed: s.allowed,
      needsApproval: s.change && s.allowed && s.needsApproval,
      reasons: s.reasons,
    })),
    reasons,
    ...extra,
  };
}

/**
 * Decides what happens to a plan: auto-execute, ask a human, monitor only,
 * or refuse. Deterministic: the same input always gives the same decision,
 * each explained step by step and for the plan as a whole.
 */
export function decide(input: PolicyInput): PolicyDecision {
  const { config, plan, hypothesis, history, now } = input;
  const dryRun = config.dryRun;
  const states = plan.map((step, index) => checkStep(step, index, input));
  const changes = states.filter(s => s.change);

  if (!changes.length) {
    return finish(
      'monitor',
      states,
      [
        plan.length
          ? `Monitor only: the plan has only ${[
              ...new Set(plan.map(s => s.action)),
            ].join(' and ')} steps, which change nothing in the cluster.`
          : 'The plan is empty: nothing to execute; the incident is monitored.',
      ],
      { notify: plan.some(s => s.action === 'notify-owner'), dryRun },
    );
  }

  const killed = killSwitchReason(input);
  if (killed) {
    blockAll(states, `Blocked: ${killed}`);
    return finish('monitor', states, [`Monitor only. ${killed}`], {
      notify: true,
      dryRun,
    });
  }

  const { maxRetries } = config.rateLimits;
  if (history.attemptsForIncident > maxRetries) {
    const text = `${plural(
      history.attemptsForIncident,
      'execution attempt',
    )} already made for this incident; at most ${maxRetries} ${
      maxRetries === 1 ? 'retry is' : 'retries are'
    } allowed after the first (${KEY}.rateLimits.maxRetries).`;
    blockAll(states, `Blocked: ${text}`);
    return finish(
      'monitor',
      states,
      [`Monitor only and notify the owner: ${text}`],
      { notify: true, dryRun },
    );
  }

  const namespaces = [
    ...new Set(
      [
        ...changes.map(s => s.step.target?.namespace),
        ...input.group.signals.map(
          s => s.object.namespace ?? s.workload.namespace,
        ),
      ].filter((n): n is string => !!n),
    ),
  ];
  const entityRefs = [input.entity?.ref, hypothesis.entityRef].filter(
    (r): r is string => !!r,
  );
  const window = maintenanceWindowFor(
    {
      entityRefs,
      namespaces,
      clusters: [...new Set(input.group.signals.map(s => s.cluster))],
    },
    config,
    now,
  );
  if (window) {
    const text = `A ${window}: planned work is under way, so nothing is executed.`;
    blockAll(states, `Blocked: ${text}`);
    return finish('monitor', states, [`Monitor only. ${text}`], {
      notify: false,
      dryRun,
    });
  }

  checkBlastRadius(states, input);

  const refused = changes.filter(s => !s.allowed);
  if (refused.length) {
    return finish(
      'refuse',
      states,
      [
        `Refused: ${plural(
          refused.length,
          'step',
        )} of the plan may not run (${refused
          .map(s => `step ${s.index + 1}, ${s.step.action}`)
          .join('; ')}); a human may adjust the plan.`,
      ],
      { notify: true, dryRun },
    );
  }

  // Plan-wide gates: every one of them sends the plan to a human.
  const gates: string[] = [];
  const auto = config.autoExecute;
  if (!auto.enabled) {
    gates.push(
      `Auto-execution is off (${KEY}.autoExecute.enabled is false): every change needs a human's approval.`,
    );
  }
  if (dryRun) {
    gates.push(
      `Dry-run mode is on (${KEY}.dryRun): nothing runs without a human, and approved steps run as server-side dry-runs only.`,
    );
  }
  const confidence = hypothesis.confidence;
  if (confidence < auto.minConfidence) {
    gates.push(
      `Confidence in the root cause (${
        hypothesis.category
      }) is ${confidence.toFixed(2)}, below the ${
        auto.minConfidence
      } needed to act without a human (${KEY}.autoExecute.minConfidence).`,
    );
  }
  const limit = config.rateLimits.actionsPerEntityPerHour;
  const ran = history.actionsForEntityLastHour;
  if (ran + changes.length > limit) {
    gates.push(
      `Rate limit: ${plural(ran, 'action')} ran for ${
        input.entity?.ref ?? hypothesis.entityRef ?? 'this entity'
      } in the last hour and this plan adds ${
        changes.length
      }, above the limit of ${limit} per hour (${KEY}.rateLimits.actionsPerEntityPerHour).`,
    );
  }
  for (const s of changes) {
    if (!auto.actions.includes(s.step.action)) {
      s.needsApproval = true;
      s.reasons.push(
        `Needs approval: ${
          s.step.action
        } is not in ${KEY}.autoExecute.actions (${
          auto.actions.join(', ') || 'empty'
        }).`,
      );
    }
  }
  for (const s of changes) {
    if (gates.length) s.needsApproval = true;
    for (const g of gates) s.reasons.push(`Needs approval: ${g}`);
  }

  const pending = changes.filter(s => s.needsApproval);
  if (pending.length) {
    const stepReasons = `Ask a human: ${plural(pending.length, 'step')} need${
      pending.length === 1 ? 's' : ''
    } approval (${pending
      .map(
        s => `step ${s.index + 1}, ${s.step.action} on ${show(s.step.target)}`,
      )
      .join('; ')}).`;
    return finish('ask-human', states, [stepReasons, ...gates], {
      notify: true,
      dryRun,
    });
  }

  return finish(
    'auto-execute',
    states,
    [
      `Auto-execute: auto-execution is on, confidence ${confidence.toFixed(
        2,
      )} is at least ${
        auto.minConfidence
      }, every step is allowed, none needs approval, every action is in ${KEY}.autoExecute.actions, and the entity's actions this hour, this plan included, number ${
        ran + changes.length
      } of at most ${limit}.`,
    ],
    { notify: true, dryRun },
  );
}
