/**
 * Variants of a scenario: the same cluster, behaviours, faults and ground
 * truth under other names and at other times, to show that the pipeline
 * reasons about Kubernetes causality rather than about the names (or the
 * timings) of the scenarios it was developed on.
 *
 * A variant, for a seed, consistently renames every namespace, every object
 * name (workloads, pod template labels, Services, ConfigMaps, Secrets,
 * nodes, claims, autoscalers, storage and priority classes, containers...),
 * every label value that identifies something (including the
 * `backstage.io/kubernetes-id` entity ids), every image repository and tag,
 * and every reference to them: selectors, env values and ConfigMap data that
 * name Services (`http://svc.ns.svc:8080`), env and volume references,
 * claims, `scaleTargetRef`, `images:` keys, `dependsOn` targets, rules,
 * timeline refs, log lines and messages, and the `expect` block. It shifts
 * every timeline step by a seed-dependent offset (order kept, and the
 * duration extended by as much, so the scenario still runs as long after its
 * fault) and timestamps in annotations with it.
 *
 * Kept as they are: the `kube-system` namespace and the objects in it (the
 * simulation gives `kube-system/metrics-server` a meaning), the `default`
 * catalog namespace of entity refs, label keys, port names and numbers,
 * env var names, quantities, probe paths, and the scenario id (so reports
 * line up with the plain run).
 */
import {
  failedReport,
  runScenarioSafely,
  RunScenarioOptions,
} from './pipeline';
import {
  BehaviourOverlay,
  ImageBehaviour,
  parseScenario,
  preloadManifestValidators,
  Scenario,
  TimelineStep,
} from '@internal/k8s-sandbox';
import path from 'node:path';
import { loadTargets, RunResult } from './run';

/** A scenario file as parsed YAML (format v1): plain JSON values. */
export type ScenarioDocument = Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

// ---------------------------------------------------------------------------
// A loaded scenario back to its document

const ms = (value: number) => `${Math.round(value)}ms`;
const cores = (value: number) => `${Number((value * 1000).toPrecision(12))}m`;
const bytes = (value: number) => `${Number(value.toPrecision(15))}`;

function refText(ref: { kind: string; namespace?: string; name: string }) {
  return ref.namespace
    ? `${ref.kind}/${ref.namespace}/${ref.name}`
    : `${ref.kind}/${ref.name}`;
}

function overlayDocument(overlay: BehaviourOverlay): JsonObject {
  const out: JsonObject = {};
  if (overlay.pull !== undefined) out.pull = overlay.pull;
  if (overlay.startup !== undefined) out.startup = ms(overlay.startup);
  if (overlay.cpu !== undefined) out.cpu = cores(overlay.cpu);
  if (overlay.memory !== undefined) out.memory = bytes(overlay.memory);
  if (overlay.memoryGrowth !== undefined)
    out.memoryGrowth = `${bytes(overlay.memoryGrowth * 60_000)}/min`;
  if (overlay.cpuPerRequest !== undefined)
    out.cpuPerRequest = cores(overlay.cpuPerRequest);
  if (overlay.traffic !== undefined) out.traffic = overlay.traffic;
  if (overlay.latency !== undefined)
    out.latency = {
      p50: ms(overlay.latency.p50),
      p99: ms(overlay.latency.p99),
    };
  if (overlay.errorRate !== undefined) out.errorRate = overlay.errorRate;
  if (overlay.exit !== undefined) {
    out.exit = {
      after: ms(overlay.exit.after),
      code: overlay.exit.code,
      ...(overlay.exit.reason !== undefined
        ? { reason: overlay.exit.reason }
        : {}),
      ...(overlay.exit.log !== undefined ? { log: overlay.exit.log } : {}),
    };
  }
  if (overlay.liveness !== undefined) out.liveness = overlay.liveness;
  if (overlay.readiness !== undefined) out.readiness = overlay.readiness;
  if (overlay.ports !== undefined) out.ports = [...overlay.ports];
  if (overlay.paths !== undefined) out.paths = [...overlay.paths];
  if (overlay.logs !== undefined) out.logs = [...overlay.logs];
  return out;
}

function behaviourDocument(behaviour: ImageBehaviour): JsonObject {
  const out = overlayDocument(behaviour);
  if (behaviour.dependsOn) {
    out.dependsOn = behaviour.dependsOn.map(d => ({
      target:
        d.target.kind === 'external'
          ? `external/${d.target.name}`
          : `Service/${d.target.namespace}/${d.target.name}`,
      onFailure: overlayDocument(d.onFailure),
    }));
  }
  if (behaviour.rules) {
    out.rules = behaviour.rules.map(rule => {
      const c = rule.if;
      let condition: JsonObject;
      switch (c.kind) {
        case 'envMissing':
          condition = { envMissing: c.name };
          break;
        case 'envEquals':
          condition = { envEquals: { ...c.values } };
          break;
        case 'secretMissing':
          condition = { secretMissing: c.name };
          break;
        case 'configMapMissing':
        default:
          condition = { configMapMissing: c.name };
          break;
      }
      return { if: condition, then: overlayDocument(rule.then) };
    });
  }
  return out;
}

function stepDocument(step: TimelineStep): JsonObject {
  const at = ms(step.at);
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Json;
  switch (step.kind) {
    case 'apply':
      return { at, apply: json(step.manifest) };
    case 'delete':
      return { at, delete: refText(step.target) };
    case 'scale':
      return {
        at,
        scale: { target: refText(step.target), replicas: step.replicas },
      };
    case 'node':
      return {
        at,
        node: {
          name: step.name,
          ...(step.ready !== undefined ? { ready: step.ready } : {}),
          ...(step.conditions !== undefined
            ? { conditions: json(step.conditions) }
            : {}),
          ...(step.cordon !== undefined ? { cordon: step.cordon } : {}),
        },
      };
    case 'traffic':
      return {
        at,
        traffic: {
          target: refText(step.target),
          multiplier: step.multiplier,
        },
      };
    case 'image':
      return { at, image: { ref: step.ref, set: behaviourDocument(step.set) } };
    case 'block':
    case 'unblock':
      return {
        at,
        [step.kind]: {
          from: refText(step.from),
          to:
            step.to.kind === 'external'
              ? `external/${step.to.name}`
              : refText(step.to),
        },
      };
    case 'event':
      return {
        at,
        event: {
          involvedObject: refText(step.involvedObject),
          type: step.type,
          reason: step.reason,
          message: step.message,
        },
      };
    case 'log':
      return {
        at,
        log: { target: refText(step.target), lines: [...step.lines] },
      };
    case 'status':
    default:
      return {
        at,
        status: { target: refText(step.target), patch: json(step.patch) },
      };
  }
}

const AUTOMATIC_NODE_LABELS: Record<string, (name: string) => string> = {
  'kubernetes.io/hostname': name => name,
  'kubernetes.io/os': () => 'linux',
  'kubernetes.io/arch': () => 'amd64',
};

/**
 * The document (format v1) of a loaded scenario: parsing it again gives
 * the same scenario. Nodes are always written out (the default three when
 * the file had none); durations are written in milliseconds.
 */
export function scenarioToDocument(scenario: Scenario): ScenarioDocument {
  const doc: JsonObject = {
    version: 1,
    id: scenario.id,
    title: scenario.title,
    duration: ms(scenario.duration),
    cluster: {
      nodes: scenario.cluster.nodes.map(node => {
        const labels = Object.fromEntries(
          Object.entries(node.labels).filter(
            ([key, value]) => AUTOMATIC_NODE_LABELS[key]?.(node.name) !== value,
          ),
        );
        return {
          name: node.name,
          cpu: node.capacity.cpu,
          memory: node.capacity.memory,
          pods: node.pods,
          ...(Object.keys(labels).length ? { labels } : {}),
          ...(node.taints.length
            ? { taints: JSON.parse(JSON.stringify(node.taints)) }
            : {}),
        };
      }),
      objects: JSON.parse(JSON.stringify(scenario.cluster.objects)),
    },
    images: Object.fromEntries(
      Object.entries(scenario.images).map(([ref, behaviour]) => [
        ref,
        behaviourDocument(behaviour),
      ]),
    ),
    timeline: scenario.timeline.map(stepDocument),
  };
  if (scenario.expect) {
    const e = scenario.expect;
    doc.expect = {
      incident: e.incident,
      ...(e.entity !== undefined ? { entity: e.entity } : {}),
      rootCause: {
        category: e.rootCause.category,
        ...(e.rootCause.object ? { object: refText(e.rootCause.object) } : {}),
      },
      actions: [...e.actions],
      ...(e.resolvesWith !== undefined ? { resolvesWith: e.resolvesWith } : {}),
    };
  }
  return doc;
}

// ---------------------------------------------------------------------------
// Renaming

const ENTITY_LABEL = 'backstage.io/kubernetes-id';
/** Namespaces whose objects keep their names (the simulation knows them). */
const KEPT_NAMESPACES = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);
/** Label keys whose values describe the platform, not a thing of the scenario. */
const PLATFORM_LABEL_KEYS = new Set(['kubernetes.io/os', 'kubernetes.io/arch']);

const ADJECTIVES = [
  'amber',
  'brisk',
  'cobalt',
  'dusty',
  'ember',
  'fern',
  'gilded',
  'hazel',
  'indigo',
  'jade',
  'keen',
  'lunar',
  'mossy',
  'north',
  'ochre',
  'pale',
  'quiet',
  'rusty',
  'sable',
  'tidal',
  'umber',
  'vivid',
  'windy',
  'young',
  'zesty',
  'arctic',
  'bold',
  'coral',
  'deep',
  'early',
];
const NOUNS = [
  'falcon',
  'harbor',
  'lynx',
  'orchid',
  'pebble',
  'quarry',
  'raven',
  'spruce',
  'tundra',
  'vessel',
  'willow',
  'yarrow',
  'badger',
  'cedar',
  'delta',
  'egret',
  'fjord',
  'geyser',
  'heron',
  'iris',
  'juniper',
  'kestrel',
  'lagoon',
  'meadow',
  'nectar',
  'otter',
  'prairie',
  'reef',
  'summit',
  'thistle',
];

/** A small seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAME_TOKEN = /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/;
const TEXT_TOKEN = /[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*/g;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The consistent renaming of one variant. */
class Renamer {
  private readonly random: () => number;
  /** Old identifier -> new identifier. */
  readonly names = new Map<string, string>();
  /** Identifiers that keep their name. */
  readonly kept = new Set<string>();
  private readonly tags = new Map<string, string>();
  readonly images = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly entityAliases = new Map<string, string>();
  private readonly bump: number;
  private textPattern?: RegExp;

  constructor(seed: number) {
    this.random = prng(seed);
    this.bump = 1 + Math.floor(this.random() * 9);
  }

  private pick<T>(list: T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }

  private fresh(): string {
    for (let i = 0; ; i++) {
      const base = `${this.pick(ADJECTIVES)}-${this.pick(NOUNS)}`;
      const name = i < 20 ? base : `${base}-${i}`;
      if (!this.used.has(name) && !this.names.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }

  /** Registers an identifier to rename (object, namespace, label value...). */
  add(name: unknown): void {
    if (typeof name !== 'string' || !name) return;
    if (this.kept.has(name) || this.names.has(name)) return;
    if (!NAME_TOKEN.test(name) || /^[0-9.]+$/.test(name)) return;
    if (name === 'true' || name === 'false') return;
    this.names.set(name, '');
  }

  keep(name: unknown): void {
    if (typeof name === 'string' && name) {
      this.kept.add(name);
      this.names.delete(name);
    }
  }

  addImage(ref: unknown): void {
    if (typeof ref !== 'string' || this.images.has(ref)) return;
    const { path: repo } = splitImage(ref);
    for (const part of repo.split('/')) this.add(part);
    this.images.set(ref, '');
  }

  /** Assigns new names once every identifier is known. */
  seal(): void {
    for (const name of this.names.keys()) this.used.add(name);
    for (const name of this.kept) this.used.add(name);
    for (const old of [...this.names.keys()]) this.names.set(old, this.fresh());
    for (const ref of [...this.images.keys()]) {
      const { registry, path: repo, tag, digest } = splitImage(ref);
      const newPath = repo
        .split('/')
        .map(part => this.name(part))
        .join('/');
      const newTag = tag === undefined ? undefined : this.tag(tag);
      this.images.set(
        ref,
        `${registry ? `${registry}/` : ''}${newPath}${
          newTag !== undefined ? `:${newTag}` : ''
        }${digest ? `@${digest}` : ''}`,
      );
    }
    const refs = [...this.images.keys()]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp);
    this.textPattern = new RegExp(
      `${refs.length ? `(${refs.join('|')})(?![A-Za-z0-9._/:-])|` : ''}${
        TEXT_TOKEN.source
      }`,
      'g',
    );
  }

  private tag(tag: string): string {
    const existing = this.tags.get(tag);
    if (existing) return existing;
    const bumped = /\d+/.test(tag)
      ? tag.replace(/\d+/, n => String(Number(n) + this.bump))
      : `${tag}-r${this.bump}`;
    this.tags.set(tag, bumped);
    return bumped;
  }

  /**
   * The new name of an identifier. Derived names (`<statefulset>-<n>`
   * pods, `<template>-<statefulset>-<n>` claims) are renamed part by part
   * when every part is known; other unknown names are kept.
   */
  name(old: string): string {
    const direct = this.names.get(old);
    if (direct) return direct;
    if (this.kept.has(old)) return old;
    const parts = old.split('-');
    const out: string[] = [];
    let renamed = false;
    for (let i = 0; i < parts.length; ) {
      let matched = false;
      for (let j = parts.length; j > i; j--) {
        const candidate = parts.slice(i, j).join('-');
        const mapped = this.names.get(candidate);
        if (mapped) {
          out.push(mapped);
          renamed = true;
          i = j;
          matched = true;
          break;
        }
        if (this.kept.has(candidate)) {
          out.push(candidate);
          i = j;
          matched = true;
          break;
        }
      }
      if (matched) continue;
      if (/^[0-9]+$/.test(parts[i])) {
        out.push(parts[i]);
        i++;
        continue;
      }
      return old;
    }
    return renamed ? out.join('-') : old;
  }

  image(ref: string): string {
    return this.images.get(ref) ?? ref;
  }

  /** Free text: image references and identifiers named in it. */
  text(value: string): string {
    return value.replace(this.textPattern!, (match, image) =>
      image ? this.image(image) : this.name(match),
    );
  }

  /** `Kind/ns/name` or `Kind/name`. */
  ref(value: string): string {
    const parts = value.split('/');
    if (parts.length === 3)
      return `${parts[0]}/${this.name(parts[1])}/${this.name(parts[2])}`;
    if (parts.length === 2) return `${parts[0]}/${this.name(parts[1])}`;
    return value;
  }

  /**
   * An entity id (`backstage.io/kubernetes-id`): renamed with the object it
   * is named after, or on its own when that object keeps its name (an
   * add-on in kube-system owned by a team).
   */
  entityId(id: string): string {
    const renamed = this.name(id);
    if (renamed !== id) return renamed;
    let alias = this.entityAliases.get(id);
    if (!alias) {
      alias = this.fresh();
      this.entityAliases.set(id, alias);
    }
    return alias;
  }

  /** `component:default/<id>`: the entity id, not the catalog namespace. */
  entity(value: string): string {
    const match = /^([^:]+):([^/]+)\/(.+)$/.exec(value);
    return match ? `${match[1]}:${match[2]}/${this.entityId(match[3])}` : value;
  }
}

function splitImage(ref: string): {
  registry?: string;
  path: string;
  tag?: string;
  digest?: string;
} {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  if (
    parts.length > 1 &&
    (parts[0].includes('.') ||
      parts[0].includes(':') ||
      parts[0] === 'localhost')
  ) {
    registry = parts.shift();
  }
  let last = parts[parts.length - 1];
  let tag: string | undefined;
  const colon = last.lastIndexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
    parts[parts.length - 1] = last;
  }
  return { registry, path: parts.join('/'), tag, digest };
}

// --- collecting the identifiers ----------------------------------------------

function collectLabels(r: Renamer, labels: unknown): void {
  if (!isObject(labels)) return;
  for (const [key, value] of Object.entries(labels)) {
    if (!PLATFORM_LABEL_KEYS.has(key)) r.add(value);
  }
}

function collectSelector(r: Renamer, selector: unknown): void {
  if (!isObject(selector)) return;
  collectLabels(r, selector.matchLabels);
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions) {
      if (isObject(e) && !PLATFORM_LABEL_KEYS.has(String(e.key)))
        (Array.isArray(e.values) ? e.values : []).forEach(v => r.add(v));
    }
  }
}

function collectPodSpec(r: Renamer, spec: unknown): void {
  if (!isObject(spec)) return;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const c of Array.isArray(list) ? list : []) {
      if (!isObject(c)) continue;
      r.add(c.name);
      r.addImage(c.image);
      for (const e of Array.isArray(c.env) ? c.env : []) {
        const from = isObject(e) && isObject(e.valueFrom) ? e.valueFrom : {};
        if (isObject(from.secretKeyRef)) r.add(from.secretKeyRef.name);
        if (isObject(from.configMapKeyRef)) r.add(from.configMapKeyRef.name);
      }
      for (const e of Array.isArray(c.envFrom) ? c.envFrom : []) {
        if (!isObject(e)) continue;
        if (isObject(e.configMapRef)) r.add(e.configMapRef.name);
        if (isObject(e.secretRef)) r.add(e.secretRef.name);
      }
    }
  }
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (!isObject(v)) continue;
    if (isObject(v.configMap)) r.add(v.configMap.name);
    if (isObject(v.secret)) r.add(v.secret.secretName);
    if (isObject(v.persistentVolumeClaim))
      r.add(v.persistentVolumeClaim.claimName);
    const sources = isObject(v.projected) ? v.projected.sources : undefined;
    for (const s of Array.isArray(sources) ? sources : []) {
      if (!isObject(s)) continue;
      if (isObject(s.configMap)) r.add(s.configMap.name);
      if (isObject(s.secret)) r.add(s.secret.name);
    }
  }
  for (const s of Array.isArray(spec.imagePullSecrets)
    ? spec.imagePullSecrets
    : [])
    if (isObject(s)) r.add(s.name);
  r.add(spec.serviceAccountName);
  r.add(spec.priorityClassName);
  r.add(spec.nodeName);
  collectLabels(r, spec.nodeSelector);
  collectAffinity(r, spec.affinity);
  for (const t of Array.isArray(spec.topologySpreadConstraints)
    ? spec.topologySpreadConstraints
    : [])
    if (isObject(t)) collectSelector(r, t.labelSelector);
}

function collectAffinity(r: Renamer, affinity: unknown): void {
  if (!isObject(affinity)) return;
  const walk = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) value.forEach(v => walk(v, key));
    else if (isObject(value)) {
      if (
        key === 'labelSelector' ||
        key === 'namespaceSelector' ||
        key === 'podSelector'
      )
        collectSelector(r, value);
      else if ('key' in value && Array.isArray(value.values))
        collectSelector(r, { matchExpressions: [value] });
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(affinity);
}

function collectManifest(r: Renamer, m: unknown): void {
  if (!isObject(m) || !isObject(m.metadata)) return;
  const meta = m.metadata;
  const kind = String(m.kind);
  const namespace =
    kind === 'Namespace' ? String(meta.name) : (meta.namespace as string);
  if (namespace && KEPT_NAMESPACES.has(namespace)) {
    r.keep(namespace);
    r.keep(meta.name);
    collectLabels(r, meta.labels);
    for (const value of Object.values(isObject(meta.labels) ? meta.labels : {}))
      if (value === meta.name) r.keep(value);
  } else {
    r.add(meta.name);
    r.add(meta.namespace);
    collectLabels(r, meta.labels);
  }
  const spec = isObject(m.spec) ? m.spec : {};
  collectSelector(r, spec.selector);
  if (kind === 'Service') collectLabels(r, spec.selector);
  r.add(spec.serviceName);
  r.add(spec.storageClassName);
  r.add(spec.priorityClassName);
  if (isObject(spec.scaleTargetRef)) r.add(spec.scaleTargetRef.name);
  if (kind === 'NetworkPolicy') collectAffinity(r, spec);
  const templates = [
    spec.template,
    isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec)
      ? spec.jobTemplate.spec.template
      : undefined,
  ];
  for (const t of templates) {
    if (!isObject(t)) continue;
    if (isObject(t.metadata)) collectLabels(r, t.metadata.labels);
    collectPodSpec(r, t.spec);
  }
  for (const claim of Array.isArray(spec.volumeClaimTemplates)
    ? spec.volumeClaimTemplates
    : []) {
    if (!isObject(claim)) continue;
    if (isObject(claim.metadata)) {
      r.add(claim.metadata.name);
      collectLabels(r, claim.metadata.labels);
    }
    if (isObject(claim.spec)) r.add(claim.spec.storageClassName);
  }
}

function collectRef(r: Renamer, ref: unknown): void {
  if (typeof ref !== 'string') return;
  const parts = ref.split('/');
  if (parts[0] === 'external' && parts.length === 2) r.add(parts[1]);
  else if (parts.length === 3) {
    r.add(parts[1]);
    if (!/-[0-9]+$/.test(parts[2])) r.add(parts[2]);
  } else if (parts.length === 2 && parts[0] === 'Node') r.add(parts[1]);
}

function collectBehaviour(r: Renamer, behaviour: unknown): void {
  if (!isObject(behaviour)) return;
  for (const d of Array.isArray(behaviour.dependsOn) ? behaviour.dependsOn : [])
    if (isObject(d)) collectRef(r, d.target);
  for (const rule of Array.isArray(behaviour.rules) ? behaviour.rules : []) {
    if (!isObject(rule) || !isObject(rule.if)) continue;
    r.add(rule.if.secretMissing);
    r.add(rule.if.configMapMissing);
  }
}

function collect(r: Renamer, doc: JsonObject): void {
  const cluster = isObject(doc.cluster) ? doc.cluster : {};
  for (const node of Array.isArray(cluster.nodes) ? cluster.nodes : []) {
    if (!isObject(node)) continue;
    r.add(node.name);
    collectLabels(r, node.labels);
  }
  const manifests: unknown[] = [
    ...(Array.isArray(cluster.objects) ? cluster.objects : []),
  ];
  const timeline = Array.isArray(doc.timeline) ? doc.timeline : [];
  for (const step of timeline) {
    if (!isObject(step)) continue;
    if (step.apply) manifests.push(step.apply);
  }
  manifests.forEach(m => collectManifest(r, m));
  const images = isObject(doc.images) ? doc.images : {};
  for (const [ref, behaviour] of Object.entries(images)) {
    r.addImage(ref);
    collectBehaviour(r, behaviour);
  }
  for (const step of timeline) {
    if (!isObject(step)) continue;
    if (typeof step.delete === 'string') collectRef(r, step.delete);
    for (const key of ['scale', 'traffic', 'log', 'status'] as const) {
      const value = step[key];
      if (isObject(value)) collectRef(r, value.target);
    }
    for (const key of ['block', 'unblock'] as const) {
      const value = step[key];
      if (isObject(value)) {
        collectRef(r, value.from);
        collectRef(r, value.to);
      }
    }
    if (isObject(step.event)) collectRef(r, step.event.involvedObject);
    if (isObject(step.node)) r.add(step.node.name);
    if (isObject(step.image)) {
      r.addImage(step.image.ref);
      collectBehaviour(r, step.image.set);
    }
  }
  const expect = isObject(doc.expect) ? doc.expect : undefined;
  if (expect) {
    if (typeof expect.entity === 'string')
      r.add(expect.entity.split('/').pop());
    if (isObject(expect.rootCause)) collectRef(r, expect.rootCause.object);
  }
}

// --- rewriting ---------------------------------------------------------------

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function renameLabels(r: Renamer, labels: Json): Json {
  if (!isObject(labels)) return labels;
  return Object.fromEntries(
    Object.entries(labels).map(([key, value]) => {
      if (typeof value !== 'string' || PLATFORM_LABEL_KEYS.has(key))
        return [key, value];
      return [key, key === ENTITY_LABEL ? r.entityId(value) : r.name(value)];
    }),
  );
}

function renameExpressions(r: Renamer, expressions: Json): Json {
  if (!Array.isArray(expressions)) return expressions;
  return expressions.map(e =>
    isObject(e) &&
    Array.isArray(e.values) &&
    !PLATFORM_LABEL_KEYS.has(String(e.key))
      ? {
          ...e,
          values: e.values.map(v => (typeof v === 'string' ? r.name(v) : v)),
        }
      : e,
  );
}

function renameStringMap(r: Renamer, map: Json): Json {
  if (!isObject(map)) return map;
  return Object.fromEntries(
    Object.entries(map).map(([k, v]) => [
      k,
      typeof v === 'string' ? r.text(v) : v,
    ]),
  );
}

/** Keys whose string value names an object. */
const NAME_KEYS = new Set([
  'name',
  'namespace',
  'claimName',
  'secretName',
  'serviceName',
  'storageClassName',
  'priorityClassName',
  'serviceAccountName',
  'nodeName',
]);

/**
 * Walks a manifest (or a part of it), renaming each value by the key it
 * sits under: names, label values and selectors, images, env values,
 * commands and ConfigMap or Secret data (free text), annotation times.
 */
function renameTree(
  r: Renamer,
  value: Json,
  key: string | undefined,
  kind: string,
  shiftMs: number,
): Json {
  if (Array.isArray(value)) {
    if (key === 'args' || key === 'command')
      return value.map(v => (typeof v === 'string' ? r.text(v) : v));
    return value.map(v => renameTree(r, v, undefined, kind, shiftMs));
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (
        k === 'labels' ||
        k === 'matchLabels' ||
        k === 'nodeSelector' ||
        (k === 'selector' &&
          isObject(v) &&
          !('matchLabels' in v) &&
          !('matchExpressions' in v))
      ) {
        out[k] = renameLabels(r, v);
      } else if (k === 'matchExpressions') {
        out[k] = renameExpressions(r, v);
      } else if (k === 'annotations' && isObject(v)) {
        out[k] = Object.fromEntries(
          Object.entries(v).map(([ak, av]) => [
            ak,
            typeof av === 'string' && ISO_TIME.test(av)
              ? new Date(Date.parse(av) + shiftMs)
                  .toISOString()
                  .replace('.000Z', 'Z')
              : av,
          ]),
        );
      } else if (
        (k === 'data' && kind === 'ConfigMap' && key === undefined) ||
        k === 'stringData'
      ) {
        out[k] = renameStringMap(r, v);
      } else if (k === 'env' && Array.isArray(v)) {
        out[k] = v.map(e => {
          if (!isObject(e)) return e;
          const entry: JsonObject = { ...e };
          if (typeof e.value === 'string') entry.value = r.text(e.value);
          if (e.valueFrom !== undefined)
            entry.valueFrom = renameTree(
              r,
              e.valueFrom,
              'valueFrom',
              kind,
              shiftMs,
            );
          return entry;
        });
      } else if (k === 'ports' && Array.isArray(v)) {
        // Port names are names of ports, not of things: kept.
        out[k] = v.map(port =>
          isObject(port)
            ? Object.fromEntries(
                Object.entries(port).map(([pk, pv]) => [
                  pk,
                  pk === 'name' ? pv : renameTree(r, pv, pk, kind, shiftMs),
                ]),
              )
            : port,
        );
      } else {
        out[k] = renameTree(r, v, k, kind, shiftMs);
      }
    }
    return out;
  }
  if (typeof value !== 'string') return value;
  if (key === 'image') return r.image(value);
  if (key !== undefined && NAME_KEYS.has(key)) return r.name(value);
  return value;
}

function renameManifest(r: Renamer, manifest: Json, shiftMs: number): Json {
  if (!isObject(manifest)) return manifest;
  return renameTree(r, manifest, undefined, String(manifest.kind), shiftMs);
}

function renameOverlay(r: Renamer, overlay: Json): Json {
  if (!isObject(overlay)) return overlay;
  const out: JsonObject = { ...overlay };
  if (Array.isArray(overlay.logs))
    out.logs = overlay.logs.map(l => (typeof l === 'string' ? r.text(l) : l));
  if (isObject(overlay.exit) && typeof overlay.exit.log === 'string')
    out.exit = { ...overlay.exit, log: r.text(overlay.exit.log) };
  return out;
}

function renameBehaviour(r: Renamer, behaviour: Json): Json {
  if (!isObject(behaviour)) return behaviour;
  const out = renameOverlay(r, behaviour) as JsonObject;
  if (Array.isArray(behaviour.dependsOn))
    out.dependsOn = behaviour.dependsOn.map(d =>
      isObject(d)
        ? {
            ...d,
            target:
              typeof d.target === 'string'
                ? renameTarget(r, d.target)
                : d.target,
            onFailure: renameOverlay(r, d.onFailure),
          }
        : d,
    );
  if (Array.isArray(behaviour.rules))
    out.rules = behaviour.rules.map(rule => {
      if (!isObject(rule) || !isObject(rule.if)) return rule;
      const condition: JsonObject = { ...rule.if };
      if (typeof condition.secretMissing === 'string')
        condition.secretMissing = r.name(condition.secretMissing);
      if (typeof condition.configMapMissing === 'string')
        condition.configMapMissing = r.name(condition.configMapMissing);
      if (isObject(condition.envEquals))
        condition.envEquals = Object.fromEntries(
          Object.entries(condition.envEquals).map(([k, v]) => [
            k,
            typeof v === 'string' ? r.text(v) : v,
          ]),
        );
      return { if: condition, then: renameOverlay(r, rule.then) };
    });
  return out;
}

function renameTarget(r: Renamer, target: string): string {
  const parts = target.split('/');
  return parts[0] === 'external' && parts.length === 2
    ? `external/${r.name(parts[1])}`
    : r.ref(target);
}

function parseMs(value: Json): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(value).trim());
  if (!match) return Number(value) || 0;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2]]!;
  return Number(match[1]) * unit;
}

/** The seed's time shift of the timeline: 7 to 97 whole seconds. */
export function variantShiftMs(seed: number): number {
  const random = prng(seed * 7919 + 17);
  return (7 + Math.floor(random() * 91)) * 1000;
}

/**
 * The variant of a scenario document for a seed: renamed and shifted as
 * the module comment says. The input is not modified.
 */
export function variantDocument(
  document: ScenarioDocument,
  seed: number,
): ScenarioDocument {
  const doc = JSON.parse(JSON.stringify(document)) as JsonObject;
  // The default nodes, written out so that they can be renamed.
  const cluster0 = isObject(doc.cluster) ? doc.cluster : {};
  if (!Array.isArray(cluster0.nodes)) {
    doc.cluster = {
      ...cluster0,
      nodes: ['node-1', 'node-2', 'node-3'].map(name => ({
        name,
        cpu: '4',
        memory: '16Gi',
        pods: 110,
      })),
    };
  }
  const r = new Renamer(seed);
  // Objects without a namespace live in `default`, which refs name.
  r.keep('default');
  collect(r, doc);
  r.seal();
  const shift = variantShiftMs(seed);

  const out: JsonObject = { ...doc };
  if (typeof doc.title === 'string') out.title = r.text(doc.title);
  out.duration = `${Math.round(parseMs(doc.duration ?? '15m') + shift)}ms`;

  const cluster = isObject(doc.cluster) ? doc.cluster : {};
  const nodes = Array.isArray(cluster.nodes) ? cluster.nodes : undefined;
  out.cluster = {
    ...cluster,
    ...(nodes
      ? {
          nodes: nodes.map(n =>
            isObject(n)
              ? {
                  ...n,
                  name: r.name(String(n.name)),
                  ...(n.labels ? { labels: renameLabels(r, n.labels) } : {}),
                }
              : n,
          ),
        }
      : {}),
    ...(Array.isArray(cluster.objects)
      ? { objects: cluster.objects.map(m => renameManifest(r, m, shift)) }
      : {}),
  };

  if (isObject(doc.images))
    out.images = Object.fromEntries(
      Object.entries(doc.images).map(([ref, behaviour]) => [
        r.image(ref),
        renameBehaviour(r, behaviour),
      ]),
    );

  if (Array.isArray(doc.timeline))
    out.timeline = doc.timeline.map(step => {
      if (!isObject(step)) return step;
      const s: JsonObject = {
        ...step,
        at: `${Math.round(parseMs(step.at) + shift)}ms`,
      };
      if (step.apply) s.apply = renameManifest(r, step.apply, shift);
      if (typeof step.delete === 'string') s.delete = r.ref(step.delete);
      for (const key of ['scale', 'traffic'] as const) {
        const v = step[key];
        if (isObject(v) && typeof v.target === 'string')
          s[key] = { ...v, target: r.ref(v.target) };
      }
      if (isObject(step.log))
        s.log = {
          ...step.log,
          target: r.ref(String(step.log.target)),
          lines: renameStrings(r, step.log.lines),
        };
      if (isObject(step.status))
        s.status = {
          target: r.ref(String(step.status.target)),
          patch: renameStrings(r, step.status.patch),
        };
      for (const key of ['block', 'unblock'] as const) {
        const v = step[key];
        if (isObject(v))
          s[key] = {
            from: r.ref(String(v.from)),
            to: renameTarget(r, String(v.to)),
          };
      }
      if (isObject(step.event))
        s.event = {
          ...step.event,
          involvedObject: r.ref(String(step.event.involvedObject)),
          message: r.text(String(step.event.message)),
        };
      if (isObject(step.node))
        s.node = { ...step.node, name: r.name(String(step.node.name)) };
      if (isObject(step.image))
        s.image = {
          ref: r.image(String(step.image.ref)),
          set: renameBehaviour(r, step.image.set),
        };
      return s;
    });

  if (isObject(doc.expect)) {
    const e: JsonObject = { ...doc.expect };
    if (typeof e.entity === 'string') e.entity = r.entity(e.entity);
    if (isObject(e.rootCause) && typeof e.rootCause.object === 'string')
      e.rootCause = { ...e.rootCause, object: r.ref(e.rootCause.object) };
    out.expect = e;
  }
  return out;
}

function renameStrings(r: Renamer, value: Json): Json {
  if (typeof value === 'string') return r.text(value);
  if (Array.isArray(value)) return value.map(v => renameStrings(r, v));
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, renameStrings(r, v)]),
    );
  return value;
}

/**
 * The variant of a loaded scenario for a seed, loaded again through the
 * sandbox's strict scenario loader.
 */
export function variantScenario(scenario: Scenario, seed: number): Scenario {
  const doc = variantDocument(scenarioToDocument(scenario), seed);
  return parseScenario(
    JSON.stringify(doc, null, 1),
    `${scenario.file} (variant ${seed})`,
  );
}

/**
 * Like `runTargets`, but runs the variant of every scenario for `seed`; a
 * scenario that fails to load, or whose variant fails to load, is reported
 * with its error and the run goes on.
 */
export async function runVariantTargets(
  targets: string[],
  seed: number,
  options: RunScenarioOptions & {
    onResult?(result: RunResult): void;
  } = {},
): Promise<RunResult[]> {
  await preloadManifestValidators();
  const results: RunResult[] = [];
  for (const loaded of loadTargets(targets)) {
    let variant: Scenario | undefined;
    let error: unknown = loaded.error;
    if (loaded.scenario) {
      try {
        variant = variantScenario(loaded.scenario, seed);
      } catch (e) {
        error = e;
      }
    }
    const result: RunResult = variant
      ? {
          file: loaded.file,
          scenario: variant,
          report: await runScenarioSafely(variant, options),
        }
      : {
          file: loaded.file,
          report: failedReport(
            loaded.scenario?.id ??
              path.basename(loaded.file).replace(/\.ya?ml$/, ''),
            error,
          ),
        };
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}
