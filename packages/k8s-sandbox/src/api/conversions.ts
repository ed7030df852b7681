/**
 * Conversions between the storage version of a resource and the other
 * versions it is served in (autoscaling/v1 HPAs, events.k8s.io Events).
 */
import { apiVersionOf, ResourceType } from './resources';
import { KubeObject } from './types';
import { deepFreeze } from './util';

type Obj = Record<string, any>;

function eventToEventsV1(e: Obj): Obj {
  const out: Obj = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime ?? null,
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
  };
  if (e.series) out.series = e.series;
  if (e.action) out.action = e.action;
  if (e.related) out.related = e.related;
  out.reportingController = e.reportingComponent ?? e.source?.component ?? '';
  out.reportingInstance = e.reportingInstance ?? e.source?.host ?? '';
  if (e.source) out.deprecatedSource = e.source;
  if (e.firstTimestamp) out.deprecatedFirstTimestamp = e.firstTimestamp;
  if (e.lastTimestamp) out.deprecatedLastTimestamp = e.lastTimestamp;
  if (e.count) out.deprecatedCount = e.count;
  return out;
}

function eventFromEventsV1(e: Obj): Obj {
  const out: Obj = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata,
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    type: e.type,
  };
  if (e.eventTime) out.eventTime = e.eventTime;
  if (e.series) out.series = e.series;
  if (e.action) out.action = e.action;
  if (e.related) out.related = e.related;
  if (e.reportingController) out.reportingComponent = e.reportingController;
  if (e.reportingInstance) out.reportingInstance = e.reportingInstance;
  if (e.deprecatedSource) out.source = e.deprecatedSource;
  if (e.deprecatedFirstTimestamp) {
    out.firstTimestamp = e.deprecatedFirstTimestamp;
  }
  if (e.deprecatedLastTimestamp) out.lastTimestamp = e.deprecatedLastTimestamp;
  if (e.deprecatedCount) out.count = e.deprecatedCount;
  return out;
}

function cpuTarget(metrics: Obj[] | undefined): number | undefined {
  const m = (metrics ?? []).find(
    x => x?.type === 'Resource' && x.resource?.name === 'cpu',
  );
  return m?.resource?.target?.averageUtilization;
}

function hpaToV1(h: Obj): Obj {
  const spec: Obj = {
    scaleTargetRef: h.spec?.scaleTargetRef,
    maxReplicas: h.spec?.maxReplicas,
  };
  if (h.spec?.minReplicas !== undefined) spec.minReplicas = h.spec.minReplicas;
  const target = cpuTarget(h.spec?.metrics);
  if (target !== undefined) spec.targetCPUUtilizationPercentage = target;
  const out: Obj = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: h.metadata,
    spec,
  };
  if (h.status) {
    const s = h.status;
    const status: Obj = {
      currentReplicas: s.currentReplicas ?? 0,
      desiredReplicas: s.desiredReplicas ?? 0,
    };
    if (s.observedGeneration !== undefined) {
      status.observedGeneration = s.observedGeneration;
    }
    if (s.lastScaleTime) status.lastScaleTime = s.lastScaleTime;
    const cur = (s.currentMetrics ?? []).find(
      (x: Obj) => x?.type === 'Resource' && x.resource?.name === 'cpu',
    );
    const pct = cur?.resource?.current?.averageUtilization;
    if (pct !== undefined) status.currentCPUUtilizationPercentage = pct;
    out.status = status;
  }
  return out;
}

function hpaFromV1(h: Obj): Obj {
  const spec: Obj = {
    scaleTargetRef: h.spec?.scaleTargetRef,
    maxReplicas: h.spec?.maxReplicas,
  };
  if (h.spec?.minReplicas !== undefined) spec.minReplicas = h.spec.minReplicas;
  const pct = h.spec?.targetCPUUtilizationPercentage;
  if (pct !== undefined) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: pct },
        },
      },
    ];
  }
  const out: Obj = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: h.metadata,
    spec,
  };
  if (h.status) {
    const s = h.status;
    const status: Obj = {
      currentReplicas: s.currentReplicas ?? 0,
      desiredReplicas: s.desiredReplicas ?? 0,
    };
    if (s.observedGeneration !== undefined) {
      status.observedGeneration = s.observedGeneration;
    }
    if (s.lastScaleTime) status.lastScaleTime = s.lastScaleTime;
    if (s.currentCPUUtilizationPercentage !== undefined) {
      status.currentMetrics = [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            current: { averageUtilization: s.currentCPUUtilizationPercentage },
          },
        },
      ];
    }
    out.status = status;
  }
  return out;
}

/**
 * Converts a stored object to the version of `type`; returns the same
 * (frozen) object when no conversion is needed.
 */
export function fromStorage(obj: KubeObject, type: ResourceType): KubeObject {
  const apiVersion = apiVersionOf(type);
  if (obj.apiVersion === apiVersion && obj.kind === type.kind) return obj;
  if (type.group === 'events.k8s.io') {
    return deepFreeze(eventToEventsV1(obj as Obj)) as KubeObject;
  }
  if (type.group === 'autoscaling' && type.version === 'v1') {
    return deepFreeze(hpaToV1(obj as Obj)) as KubeObject;
  }
  return Object.freeze({ ...obj, apiVersion, kind: type.kind });
}

/** Converts an object of `type`'s version to its storage version. */
export function toStorage(
  obj: KubeObject,
  type: ResourceType,
  storage: ResourceType,
): KubeObject {
  const apiVersion = apiVersionOf(storage);
  if (obj.apiVersion === apiVersion && obj.kind === storage.kind) return obj;
  if (type.group === 'events.k8s.io') {
    return eventFromEventsV1(obj as Obj) as KubeObject;
  }
  if (type.group === 'autoscaling' && type.version === 'v1') {
    return hpaFromV1(obj as Obj) as KubeObject;
  }
  return { ...obj, apiVersion, kind: storage.kind };
}
