/**
 * Building pods from workload templates with the API server's defaults,
 * and the resource arithmetic (requests, QoS class) the scheduler,
 * admission and controllers share.
 */
import type { KubeObject } from '../../api/types';
import { clone, Obj, quantity } from './util';

export interface PodFromTemplate {
  template: Obj | undefined;
  name: string;
  namespace: string;
  owner: KubeObject;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Changes to the spec (hostname, extra volumes, affinity). */
  spec?: Obj;
}

/** A new Pod object for `owner`, from its pod template. */
export function podFromTemplate(input: PodFromTemplate): KubeObject {
  const template = input.template ?? {};
  const meta = template.metadata ?? {};
  const spec = { ...clone(template.spec ?? {}), ...(input.spec ?? {}) };
  applyPodDefaults(spec);
  const owner = input.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...(meta.labels ?? {}), ...(input.labels ?? {}) },
      ...(meta.annotations || input.annotations
        ? {
            annotations: {
              ...(meta.annotations ?? {}),
              ...(input.annotations ?? {}),
            },
          }
        : {}),
      ownerReferences: [
        {
          apiVersion: owner.apiVersion ?? '',
          kind: owner.kind ?? '',
          name: owner.metadata?.name ?? '',
          uid: owner.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
    status: { phase: 'Pending', conditions: [], qosClass: qosClass(spec) },
  };
}

function isTagged(image: string): boolean {
  const last = image.split('/').pop() ?? '';
  return last.includes(':') || image.includes('@');
}

function defaultContainer(c: Obj): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (!c.imagePullPolicy && typeof c.image === 'string') {
    c.imagePullPolicy =
      !isTagged(c.image) || c.image.endsWith(':latest')
        ? 'Always'
        : 'IfNotPresent';
  }
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  const res = (c.resources ??= {});
  // A limit without a request requests the limit (API defaulting).
  if (res.limits) {
    for (const [k, v] of Object.entries(res.limits)) {
      res.requests ??= {};
      if (res.requests[k] === undefined) res.requests[k] = v;
    }
  }
}

/** The API server's Pod defaults (in place). */
export function applyPodDefaults(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
}

export interface Resources {
  cpu: number;
  memory: number;
  [name: string]: number;
}

function add(into: Obj, from: Obj | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) {
    into[k] = (into[k] ?? 0) + quantity(v);
  }
}

function maxInto(into: Obj, from: Obj): void {
  for (const [k, v] of Object.entries(from)) {
    into[k] = Math.max(into[k] ?? 0, v as number);
  }
}

/**
 * Effective requests (or limits) of a pod as the scheduler computes them:
 * the sum over containers and sidecars, at least the largest regular init
 * container, plus the pod overhead.
 */
export function podResources(
  pod: KubeObject,
  which: 'requests' | 'limits' = 'requests',
): Resources {
  const spec = (pod as Obj).spec ?? {};
  const sum: Obj = { cpu: 0, memory: 0 };
  for (const c of spec.containers ?? []) add(sum, c.resources?.[which]);
  const sidecars: Obj = {};
  const init: Obj = {};
  for (const c of spec.initContainers ?? []) {
    const own: Obj = {};
    add(own, c.resources?.[which]);
    if (c.restartPolicy === 'Always') {
      add(sidecars, c.resources?.[which]);
    } else {
      const withSidecars: Obj = { ...own };
      for (const [k, v] of Object.entries(sidecars)) {
        withSidecars[k] = (withSidecars[k] ?? 0) + (v as number);
      }
      maxInto(init, withSidecars);
    }
  }
  for (const [k, v] of Object.entries(sidecars)) {
    sum[k] = (sum[k] ?? 0) + (v as number);
  }
  maxInto(sum, init);
  add(sum, spec.overhead);
  return sum as Resources;
}

/** Guaranteed, Burstable or BestEffort, from requests and limits. */
export function qosClass(spec: Obj): string {
  const containers = [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []),
  ];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && quantity(req[r]) !== quantity(lim[r])) {
        guaranteed = false;
      }
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
