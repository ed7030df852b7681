/**
 * `helm-rollback`: rolls a Helm release back to an earlier revision.
 *
 * The release history is read from Helm's own storage (the default
 * `secret` driver: one Secret `sh.helm.release.v1.<release>.v<N>` per
 * revision in the release's namespace, labelled `owner=helm`,
 * `name=<release>`, `version=<N>`, `status=...`, whose `release` key holds
 * base64(gzip(JSON)) of the release). The plugin does not re-implement
 * Helm: re-applying a stored manifest would skip hooks, three-way merges
 * and the new revision record Helm writes. A rollback is carried out only
 * by an adopter-registered `rollback` (their Helm or GitOps tooling);
 * without one, the action previews the rollback (current and target
 * revision, chart and app versions) and refuses to apply it.
 */
import type {
  AiSreAction,
  AiSreActionContext,
  AiSreHelmReleases,
  AiSreHelmRevision,
} from '@internal/plugin-ai-sre-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { gunzipSync } from 'node:zlib';
import { kubeJsonRequest } from './ClusterOps';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The release JSON stored in a Helm storage Secret: the `release` value
 * as the API returns it (base64 of Helm's own base64 of the gzipped
 * JSON). Plain (not gzipped) payloads, which old Helm versions wrote, are
 * read too.
 */
export function decodeHelmRelease(data: string): Record<string, any> {
  const helmEncoded = Buffer.from(data, 'base64').toString('utf8');
  const bytes = Buffer.from(helmEncoded, 'base64');
  const json =
    bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]
      ? gunzipSync(bytes)
      : bytes;
  return JSON.parse(json.toString('utf8'));
}

/** The summary of a revision, from its storage Secret (nothing else is kept). */
export function helmRevisionOf(secret: Record<string, any>): AiSreHelmRevision {
  const labels = secret.metadata?.labels ?? {};
  let release: Record<string, any> = {};
  if (typeof secret.data?.release === 'string') {
    release = decodeHelmRelease(secret.data.release);
  }
  const chart = release.chart?.metadata ?? {};
  return {
    revision: Number(release.version ?? labels.version),
    status: release.info?.status ?? labels.status ?? 'unknown',
    chart: chart.name ?? 'unknown',
    chartVersion: chart.version ?? 'unknown',
    ...(chart.appVersion ? { appVersion: String(chart.appVersion) } : {}),
    ...(release.info?.last_deployed
      ? { updated: release.info.last_deployed }
      : {}),
    ...(release.info?.description
      ? { description: release.info.description }
      : {}),
  };
}

/**
 * Reads release history from Helm's storage Secrets with the cluster's
 * credentials (needs `list` on Secrets in the release namespaces). Has no
 * `rollback`: see the module comment.
 */
export class HelmSecretsHistory implements AiSreHelmReleases {
  constructor(
    private readonly options: {
      kubeConfigFor(cluster: string): KubeConfig | undefined;
    },
  ) {}

  async history(
    namespace: string,
    release: string,
    context: AiSreActionContext,
  ): Promise<AiSreHelmRevision[]> {
    const kubeConfig = this.options.kubeConfigFor(context.cluster);
    if (!kubeConfig) {
      throw new Error(`Cluster ${context.cluster} is not configured`);
    }
    const list = await kubeJsonRequest<{ items: Record<string, any>[] }>(
      kubeConfig,
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
      {
        query: { labelSelector: `owner=helm,name=${release}` },
        signal: context.signal,
      },
    );
    return list.items
      .filter(
        s =>
          s.type === 'helm.sh/release.v1' ||
          s.metadata?.name?.startsWith(`sh.helm.release.v1.${release}.v`),
      )
      .map(helmRevisionOf)
      .filter(r => Number.isInteger(r.revision))
      .sort((a, b) => a.revision - b.revision);
  }
}

const RELEASE_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What a helm-rollback dry-run decided, kept for apply, verify and revert. */
interface HelmSnapshot {
  namespace: string;
  release: string;
  /** The revision before the rollback (what `revert` rolls back to). */
  revision: number;
  /** The revision rolled back to. */
  target: number;
}

const describe = (r: AiSreHelmRevision) =>
  `${r.chart}-${r.chartVersion}${r.appVersion ? ` (app ${r.appVersion})` : ''}`;

/**
 * The `helm-rollback` action over some Helm release handling. Parameters:
 * `namespace`, `release` and optionally `revision` (default: the newest
 * earlier revision that was successfully deployed, i.e. `superseded`,
 * rather than Helm's "previous number", which may be a failed upgrade).
 */
export function createHelmRollbackAction(
  releases: AiSreHelmReleases,
): AiSreAction {
  const refusal = (namespace: string, release: string, revision: number) =>
    `helm-rollback is not applied by the AI SRE plugin, which does not re-implement Helm: run \`helm rollback ${release} ${revision} -n ${namespace}\` with your Helm or GitOps tooling, or register a Helm rollback implementation (aiSreActionsExtensionPoint.setHelmReleases)`;

  async function plan(
    params: Record<string, string | number | boolean>,
    context: AiSreActionContext,
  ) {
    const namespace = String(params.namespace);
    const release = String(params.release);
    const history = await releases.history(namespace, release, context);
    if (!history.length) {
      throw new Error(
        `There is no Helm release ${namespace}/${release} (no Helm storage Secrets sh.helm.release.v1.${release}.v*)`,
      );
    }
    const current = history[history.length - 1];
    const target =
      params.revision !== undefined
        ? history.find(r => r.revision === Number(params.revision))
        : [...history]
            .reverse()
            .find(
              r => r.revision < current.revision && r.status === 'superseded',
            );
    if (!target) {
      throw new Error(
        `Helm release ${namespace}/${release} has no ${
          params.revision !== undefined
            ? `revision ${params.revision}`
            : 'earlier successfully deployed revision'
        } to roll back to (it has ${history
          .map(r => `${r.revision} ${r.status}`)
          .join(', ')})`,
      );
    }
    if (target.revision === current.revision) {
      throw new Error(
        `Helm release ${namespace}/${release} is at revision ${current.revision} already`,
      );
    }
    return { namespace, release, current, target, history };
  }

  return {
    id: 'helm-rollback',
    description: releases.rollback
      ? 'Rolls a Helm release back to an earlier revision through the registered Helm rollback implementation; reverting rolls it forward to the revision it replaced.'
      : 'Previews the rollback of a Helm release (current and target revision, chart and app versions, from the release history) but does not apply it: no Helm rollback implementation is registered, and the plugin does not re-implement Helm. Run the rollback with your Helm or GitOps tooling.',
    risk: 'high',
    validate(params) {
      if (
        typeof params.release !== 'string' ||
        params.release.length > 53 ||
        !RELEASE_NAME.test(params.release)
      ) {
        return `release must be a Helm release name, got ${JSON.stringify(
          params.release,
        )}`;
      }
      if (
        typeof params.namespace !== 'string' ||
        !DNS_LABEL.test(params.namespace)
      ) {
        return `namespace must be a namespace name, got ${JSON.stringify(
          params.namespace,
        )}`;
      }
      if (
        params.revision !== undefined &&
        (!Number.isInteger(Number(params.revision)) ||
          Number(params.revision) < 1)
      ) {
        return `revision must be a positive integer, got ${JSON.stringify(
          params.revision,
        )}`;
      }
      return undefined;
    },
    async dryRun(params, context) {
      const { namespace, release, current, target } = await plan(
        params,
        context,
      );
      const snapshot: HelmSnapshot = {
        namespace,
        release,
        revision: current.revision,
        target: target.revision,
      };
      return {
        summary: `Roll Helm release ${namespace}/${release} back from revision ${
          current.revision
        } (${describe(current)}) to revision ${target.revision} (${describe(
          target,
        )})`,
        object: {
          apiVersion: 'helm.sh/release.v1',
          kind: 'HelmRelease',
          namespace,
          name: release,
        },
        diff: [
          {
            path: 'revision',
            before: current.revision,
            after: `${current.revision + 1} (a copy of ${target.revision})`,
          },
          { path: 'status', before: current.status, after: 'deployed' },
          {
            path: 'chart',
            before: `${current.chart}-${current.chartVersion}`,
            after: `${target.chart}-${target.chartVersion}`,
          },
          {
            path: 'appVersion',
            before: current.appVersion ?? null,
            after: target.appVersion ?? null,
          },
        ],
        snapshot,
        ...(releases.rollback
          ? {}
          : { refusal: refusal(namespace, release, target.revision) }),
      };
    },
    async apply(params, context) {
      const pinned = context.snapshot as HelmSnapshot | undefined;
      const { namespace, release, target } = pinned
        ? {
            namespace: pinned.namespace,
            release: pinned.release,
            target: { revision: pinned.target },
          }
        : await plan(params, context);
      if (!releases.rollback) {
        throw new Error(refusal(namespace, release, target.revision));
      }
      await releases.rollback(namespace, release, target.revision, context);
    },
    async revert(snapshot, context) {
      const { namespace, release, revision } = snapshot as HelmSnapshot;
      if (!releases.rollback) {
        throw new Error(refusal(namespace, release, revision));
      }
      await releases.rollback(namespace, release, revision, context);
    },
    async verify(params, context) {
      const pinned = context.snapshot as HelmSnapshot | undefined;
      const namespace = pinned?.namespace ?? String(params.namespace);
      const release = pinned?.release ?? String(params.release);
      const history = await releases.history(namespace, release, context);
      const latest = history[history.length - 1];
      const wanted = history.find(
        r => r.revision === (pinned?.target ?? Number(params.revision)),
      );
      const name = `Helm release ${namespace}/${release}`;
      if (!latest || !wanted) {
        return { state: 'failed', reason: `${name}: history not found` };
      }
      if (pinned && latest.revision <= pinned.revision) {
        return {
          state: 'pending',
          reason: `${name}: still at revision ${latest.revision}`,
        };
      }
      if (latest.status.startsWith('pending')) {
        return {
          state: 'pending',
          reason: `${name}: revision ${latest.revision} is ${latest.status}`,
        };
      }
      if (latest.status !== 'deployed') {
        return {
          state: 'failed',
          reason: `${name}: revision ${latest.revision} is ${latest.status}`,
        };
      }
      if (
        latest.chartVersion !== wanted.chartVersion ||
        latest.appVersion !== wanted.appVersion
      ) {
        return {
          state: 'failed',
          reason: `${name}: revision ${latest.revision} runs ${describe(
            latest,
          )}, not ${describe(wanted)} of revision ${wanted.revision}`,
        };
      }
      return {
        state: 'passed',
        reason: `${name}: revision ${latest.revision} deployed ${describe(
          latest,
        )}`,
      };
    },
  };
}
