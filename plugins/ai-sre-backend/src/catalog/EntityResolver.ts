import {
  Entity,
  parseEntityRef,
  RELATION_CONSUMES_API,
  RELATION_DEPENDS_ON,
  RELATION_OWNED_BY,
  RELATION_PART_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
} from '@internal/plugin-ai-sre-common';

/** What the resolver knows about an entity. */
export interface EntityInfo {
  ref: string;
  ownerRef: string | null;
  systemRef: string | null;
  lifecycle: string | null;
  /** Entities it depends on (catalog `dependsOn` and consumed APIs' providers). */
  dependsOn: string[];
  annotations: Record<string, string>;
}

interface Matcher {
  entity: EntityInfo;
  kubernetesId?: string;
  selector?: Array<{
    key: string;
    op: '=' | '!=' | 'exists' | '!exists';
    value?: string;
  }>;
  namespace?: string;
}

/** `a=b,c!=d,e,!f` (equality-based selectors; set-based ones are skipped). */
function parseSelector(text: string): Matcher['selector'] {
  const out: NonNullable<Matcher['selector']> = [];
  for (const part of text
    .split(',')
    .map(p => p.trim())
    .filter(Boolean)) {
    let match = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (match) {
      out.push({
        key: match[1],
        op: match[2] === '!=' ? '!=' : '=',
        value: match[3],
      });
      continue;
    }
    match = /^(!?)([^!=\s()]+)$/.exec(part);
    if (match) {
      out.push({ key: match[2], op: match[1] ? '!exists' : 'exists' });
      continue;
    }
    return undefined;
  }
  return out;
}

function selectorMatches(
  selector: NonNullable<Matcher['selector']>,
  labels: Record<string, string>,
) {
  return selector.every(req => {
    switch (req.op) {
      case '=':
        return labels[req.key] === req.value;
      case '!=':
        return labels[req.key] !== req.value;
      case 'exists':
        return req.key in labels;
      default:
        return !(req.key in labels);
    }
  });
}

function relationTargets(entity: Entity, type: string): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === type)
    .map(r => r.targetRef);
}

/**
 * Maps Kubernetes labels to catalog entities the way the Kubernetes plugin
 * does: the `backstage.io/kubernetes-id` label, or an entity's
 * `backstage.io/kubernetes-label-selector`, optionally limited to its
 * `backstage.io/kubernetes-namespace`.
 */
export class EntityResolver {
  private matchers: Matcher[] = [];
  private byRef = new Map<string, EntityInfo>();
  private loadedAt?: number;

  constructor(
    private readonly options: {
      /** Entities with a Kubernetes annotation (and the APIs they consume). */
      fetchEntities(): Promise<Entity[]>;
      now(): number;
      /** How long a loaded catalog is used before reloading; default 60s. */
      refreshMs?: number;
    },
  ) {}

  async refresh(): Promise<void> {
    const entities = await this.options.fetchEntities();
    const byRef = new Map<string, EntityInfo>();
    const apiProviders = new Map<string, string[]>();
    for (const entity of entities) {
      if (entity.kind.toLocaleLowerCase('en-US') === 'api') {
        apiProviders.set(
          stringifyEntityRef(entity),
          relationTargets(entity, 'apiProvidedBy'),
        );
      }
    }
    const matchers: Matcher[] = [];
    for (const entity of entities) {
      const annotations = entity.metadata.annotations ?? {};
      const ref = stringifyEntityRef(entity);
      const consumed = relationTargets(entity, RELATION_CONSUMES_API).flatMap(
        api => apiProviders.get(api) ?? [],
      );
      const info: EntityInfo = {
        ref,
        ownerRef:
          relationTargets(entity, RELATION_OWNED_BY)[0] ??
          ownerFromSpec(entity),
        systemRef:
          relationTargets(entity, RELATION_PART_OF).find(r =>
            r.startsWith('system:'),
          ) ?? null,
        lifecycle:
          typeof entity.spec?.lifecycle === 'string'
            ? entity.spec.lifecycle
            : null,
        dependsOn: [
          ...new Set([
            ...relationTargets(entity, RELATION_DEPENDS_ON),
            ...consumed,
          ]),
        ],
        annotations,
      };
      byRef.set(ref, info);
      const kubernetesId = annotations[KUBERNETES_ID_ANNOTATION];
      const selectorText = annotations[KUBERNETES_LABEL_SELECTOR_ANNOTATION];
      const namespace = annotations[KUBERNETES_NAMESPACE_ANNOTATION];
      if (kubernetesId || selectorText) {
        matchers.push({
          entity: info,
          ...(kubernetesId ? { kubernetesId } : {}),
          ...(selectorText ? { selector: parseSelector(selectorText) } : {}),
          ...(namespace ? { namespace } : {}),
        });
      }
    }
    this.matchers = matchers;
    this.byRef = byRef;
    this.loadedAt = this.options.now();
  }

  private async ensureLoaded(): Promise<void> {
    const refresh = this.options.refreshMs ?? 60_000;
    if (
      this.loadedAt === undefined ||
      this.options.now() - this.loadedAt >= refresh
    ) {
      await this.refresh();
    }
  }

  /** Entities whose Kubernetes mapping matches labels in a namespace. */
  async resolve(
    labels: Record<string, string>,
    namespace?: string,
  ): Promise<EntityInfo[]> {
    await this.ensureLoaded();
    return this.resolveLoaded(labels, namespace);
  }

  resolveLoaded(
    labels: Record<string, string>,
    namespace?: string,
  ): EntityInfo[] {
    const id = labels[KUBERNETES_ID_ANNOTATION];
    return this.matchers
      .filter(m => {
        if (m.namespace && namespace && m.namespace !== namespace) return false;
        if (m.kubernetesId) return m.kubernetesId === id;
        return Boolean(
          m.selector &&
            Object.keys(labels).length &&
            selectorMatches(m.selector, labels),
        );
      })
      .map(m => m.entity);
  }

  async info(ref: string): Promise<EntityInfo | undefined> {
    await this.ensureLoaded();
    return this.byRef.get(normalize(ref));
  }

  /** Every entity with a Kubernetes mapping (after a load). */
  mapped(): EntityInfo[] {
    return this.matchers.map(m => m.entity);
  }
}

function normalize(ref: string): string {
  return stringifyEntityRef(parseEntityRef(ref));
}

function ownerFromSpec(entity: Entity): string | null {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || !owner) return null;
  return stringifyEntityRef(
    parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    }),
  );
}
