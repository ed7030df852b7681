import path from 'node:path';
import {
  loadScenarioDir,
  parseScenario,
  preloadManifestValidators,
  Scenario,
} from '@internal/k8s-sandbox';
import { parseArgs } from './cli';
import { runScenario } from './pipeline';
import { scoreScenario } from './scorer';
import {
  scenarioToDocument,
  variantDocument,
  variantScenario,
  variantShiftMs,
} from './variant';

jest.setTimeout(60_000);

const LIBRARY = path.resolve(__dirname, '../scenarios/library');
const EXAMPLES = path.resolve(
  __dirname,
  '../../k8s-sandbox/scenarios/examples',
);
const KEPT_NAMESPACES = ['kube-system', 'default'];

let scenarios: Scenario[];
beforeAll(async () => {
  await preloadManifestValidators();
  scenarios = [...loadScenarioDir(LIBRARY), ...loadScenarioDir(EXAMPLES)];
});

/** A manifest as scenario files write it. */
interface KubeObject {
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** Every object of a scenario: at start and applied in its timeline. */
function manifests(s: Scenario): KubeObject[] {
  return [
    ...s.cluster.objects,
    ...s.timeline.flatMap(step =>
      step.kind === 'apply' ? [step.manifest] : [],
    ),
  ] as KubeObject[];
}

const kept = (m: KubeObject) =>
  KEPT_NAMESPACES.includes(m.metadata.namespace ?? '') &&
  m.metadata.namespace === 'kube-system';

function namesOf(s: Scenario) {
  const objects = manifests(s).filter(m => !kept(m));
  return {
    names: new Set(objects.map(m => m.metadata.name)),
    namespaces: new Set(
      objects
        .map(m =>
          m.kind === 'Namespace' ? m.metadata.name : m.metadata.namespace,
        )
        .filter((n): n is string => !!n && !KEPT_NAMESPACES.includes(n)),
    ),
    images: new Set([
      ...Object.keys(s.images),
      ...objects.flatMap(m => containersOf(m).map(c => c.image as string)),
    ]),
    nodes: new Set(s.cluster.nodes.map(n => n.name)),
    entities: new Set(
      objects.flatMap(m =>
        [m.metadata.labels, templateOf(m)?.metadata?.labels]
          .map(l => l?.['backstage.io/kubernetes-id'])
          .filter((id): id is string => !!id),
      ),
    ),
  };
}

function templateOf(m: KubeObject): any {
  const spec = (m as any).spec ?? {};
  return spec.template ?? spec.jobTemplate?.spec?.template;
}

function containersOf(m: KubeObject): Array<Record<string, any>> {
  const spec = templateOf(m)?.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

const matches = (
  selector: Record<string, string>,
  labels: Record<string, string> = {},
) =>
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * What the references of a scenario resolve to, without its names: for
 * each reference (in document order) whether its target exists, and for
 * each selector how many workloads it selects. A consistent renaming keeps
 * this the same.
 */
function referenceShape(s: Scenario): unknown[] {
  const objects = manifests(s);
  const exists = (kind: string, namespace: string | undefined, name: string) =>
    objects.some(
      m =>
        m.kind === kind &&
        m.metadata.name === name &&
        (m.metadata.namespace ?? 'default') === (namespace ?? 'default'),
    );
  const workloads = objects.filter(m => templateOf(m));
  const services = objects.filter(m => m.kind === 'Service');
  const out: unknown[] = [];
  for (const m of objects) {
    const ns = m.metadata.namespace;
    const spec = (m as any).spec ?? {};
    if (m.kind === 'Service')
      out.push(
        'selects',
        workloads.filter(
          w =>
            w.metadata.namespace === ns &&
            matches(spec.selector ?? {}, templateOf(w)?.metadata?.labels),
        ).length,
      );
    if (spec.selector?.matchLabels)
      out.push(
        'own-template',
        matches(spec.selector.matchLabels, templateOf(m)?.metadata?.labels),
      );
    if (spec.scaleTargetRef)
      out.push(
        'scales',
        exists(spec.scaleTargetRef.kind, ns, spec.scaleTargetRef.name),
      );
    for (const c of containersOf(m)) {
      out.push('image-listed', c.image in s.images);
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (ref)
          out.push(
            'env-ref',
            exists(
              e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap',
              ns,
              ref.name,
            ),
          );
        if (typeof e.value === 'string')
          out.push(
            'names-service',
            services.filter(svc =>
              new RegExp(
                `(^|[^a-z0-9-])${svc.metadata.name}\\.${svc.metadata.namespace}([^a-z0-9-]|$)`,
              ).test(e.value),
            ).length,
          );
      }
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef)
          out.push('env-from', exists('ConfigMap', ns, e.configMapRef.name));
        if (e.secretRef)
          out.push('env-from', exists('Secret', ns, e.secretRef.name));
      }
    }
    for (const v of templateOf(m)?.spec?.volumes ?? []) {
      if (v.configMap)
        out.push('volume', exists('ConfigMap', ns, v.configMap.name));
      if (v.persistentVolumeClaim)
        out.push(
          'claim',
          exists(
            'PersistentVolumeClaim',
            ns,
            v.persistentVolumeClaim.claimName,
          ),
        );
    }
    for (const t of spec.volumeClaimTemplates ?? [])
      out.push(
        'claim-class',
        exists('StorageClass', undefined, t.spec?.storageClassName),
        containersOf(m).some(c =>
          (c.volumeMounts ?? []).some((vm: any) => vm.name === t.metadata.name),
        ),
      );
    if (m.kind === 'PersistentVolumeClaim')
      out.push(
        'pvc-class',
        exists('StorageClass', undefined, spec.storageClassName),
      );
  }
  for (const [, behaviour] of Object.entries(s.images)) {
    for (const d of behaviour.dependsOn ?? [])
      out.push(
        'depends',
        d.target.kind === 'external'
          ? 'external'
          : exists('Service', d.target.namespace, d.target.name),
      );
  }
  const nodes = new Set(s.cluster.nodes.map(n => n.name));
  for (const step of s.timeline) {
    if ('target' in step && step.target)
      out.push(
        step.kind,
        step.target.kind === 'Pod'
          ? 'pod'
          : exists(step.target.kind, step.target.namespace, step.target.name),
      );
    if (step.kind === 'node') out.push('node', nodes.has(step.name));
    if (step.kind === 'block' || step.kind === 'unblock')
      out.push(
        step.kind,
        exists(step.from.kind, step.from.namespace, step.from.name),
      );
    if (step.kind === 'image')
      out.push('image-step', Object.keys(s.images).includes(step.ref));
  }
  const object = s.expect?.rootCause.object;
  if (object) {
    const isNode = object.kind === 'Node';
    out.push(
      'expect-object',
      isNode
        ? nodes.has(object.name)
        : exists(object.kind, object.namespace, object.name),
    );
  }
  const entity = s.expect?.entity?.split('/').pop();
  if (entity) out.push('expect-entity', namesOf(s).entities.has(entity));
  return out;
}

/** Whether the expected entity kept its name (false when there is none). */
const sameEntity = (s: Scenario, v: Scenario) =>
  !!s.expect?.entity && v.expect?.entity === s.expect.entity;

/** Whether the expected culprit kept its name (kube-system objects keep theirs). */
const sameCulprit = (s: Scenario, v: Scenario) => {
  const object = s.expect?.rootCause.object;
  return (
    !!object &&
    object.namespace !== 'kube-system' &&
    v.expect?.rootCause.object?.name === object.name
  );
};

describe('variantScenario', () => {
  it('loads every library and example scenario back through the strict loader unchanged', () => {
    for (const s of scenarios) {
      const again = parseScenario(
        JSON.stringify(scenarioToDocument(s)),
        s.file,
      );
      expect(referenceShape(again)).toEqual(referenceShape(s));
      expect(again.cluster.objects).toEqual(s.cluster.objects);
      expect(again.images).toEqual(s.images);
      expect(again.expect).toEqual(
        s.expect && {
          ...s.expect,
          rootCause: {
            ...s.expect.rootCause,
            ...(s.expect.rootCause.object
              ? { object: { ...s.expect.rootCause.object } }
              : {}),
          },
        },
      );
      expect(again.timeline.map(t => [t.kind, t.at])).toEqual(
        s.timeline.map(t => [t.kind, t.at]),
      );
    }
  });

  it('renames every name, namespace, node, entity and image of every scenario', () => {
    for (const s of scenarios) {
      const v = variantScenario(s, 7);
      const before = namesOf(s);
      const after = namesOf(v);
      for (const key of [
        'names',
        'namespaces',
        'images',
        'nodes',
        'entities',
      ] as const) {
        expect({ id: s.id, key, size: after[key].size }).toEqual({
          id: s.id,
          key,
          size: before[key].size,
        });
        const common = [...after[key]].filter(x => before[key].has(x));
        expect({ id: s.id, key, common }).toEqual({
          id: s.id,
          key,
          common: [],
        });
      }
      expect({ id: s.id, same: sameEntity(s, v) }).toEqual({
        id: s.id,
        same: false,
      });
      expect({ id: s.id, same: sameCulprit(s, v) }).toEqual({
        id: s.id,
        same: false,
      });
      expect(v.expect?.rootCause.category).toBe(s.expect?.rootCause.category);
      expect(v.expect?.actions).toEqual(s.expect?.actions);
    }
  });

  it('keeps every reference consistent: selectors, env, volumes, claims, autoscalers, images, timeline and expect', () => {
    for (const s of scenarios) {
      const v = variantScenario(s, 7);
      expect({ id: s.id, shape: referenceShape(v) }).toEqual({
        id: s.id,
        shape: referenceShape(s),
      });
    }
  });

  it('shifts every timeline step by the same offset, keeping the order, and extends the duration', () => {
    const shift = variantShiftMs(7);
    expect(shift).toBeGreaterThan(0);
    for (const s of scenarios) {
      const v = variantScenario(s, 7);
      expect(v.duration).toBe(s.duration + shift);
      expect(v.timeline.map(t => t.at)).toEqual(
        s.timeline.map(t => t.at + shift),
      );
      expect(v.timeline.map(t => t.kind)).toEqual(s.timeline.map(t => t.kind));
    }
  });

  it('renames free text consistently: a Service named in an env value follows the Service', () => {
    const s = scenarios.find(x => x.id === 'bookstore-database-down')!;
    const v = variantScenario(s, 11);
    const web = manifests(v).find(
      m =>
        m.kind === 'Deployment' &&
        containersOf(m).some(c =>
          (c.env ?? []).some((e: any) => e.name === 'CATALOG_URL'),
        ),
    )!;
    const url = containersOf(web)[0].env.find(
      (e: any) => e.name === 'CATALOG_URL',
    ).value as string;
    const host = /^http:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc:3000$/.exec(url);
    expect(host).not.toBeNull();
    const service = manifests(v).find(
      m => m.kind === 'Service' && m.metadata.name === host![1],
    );
    expect(service?.metadata.namespace).toBe(host![2]);
    expect(url).not.toContain('catalog-api');
    expect(url).not.toContain('bookstore');
  });

  it('gives different variants for different seeds, and the same for the same seed', () => {
    const s = scenarios.find(x => x.id === 'bookstore-crashloop-after-deploy')!;
    const a = variantDocument(scenarioToDocument(s), 7);
    const b = variantDocument(scenarioToDocument(s), 8);
    expect(variantDocument(scenarioToDocument(s), 7)).toEqual(a);
    expect(JSON.stringify(a)).not.toEqual(JSON.stringify(b));
    const names = (doc: any) =>
      (doc.cluster.objects as any[]).map(o => o.metadata.name);
    expect(names(a)).not.toEqual(names(b));
    expect((a.expect as any).entity).not.toEqual((b.expect as any).entity);
  });

  it('scores a variant as the original scenario (end to end)', async () => {
    const s = scenarios.find(x => x.id === 'bookstore-image-typo')!;
    const v = variantScenario(s, 7);
    const report = await runScenario(v);
    const score = scoreScenario({ report, scenario: v });
    expect(score).toMatchObject({
      detected: true,
      top1: true,
      entity: true,
      firstAction: true,
    });
  });

  it('is asked for with --variant SEED on the command line', () => {
    expect(parseArgs(['--variant', '7', 'dir'])).toEqual({
      variant: 7,
      targets: ['dir'],
    });
    expect(parseArgs(['--variant=42', '--json', 'r.json', 'a'])).toEqual({
      variant: 42,
      json: 'r.json',
      targets: ['a'],
    });
    expect(() => parseArgs(['--variant', 'x', 'a'])).toThrow(/seed/);
    expect(() => parseArgs(['a', '--variant'])).toThrow(/seed/);
  });
});
