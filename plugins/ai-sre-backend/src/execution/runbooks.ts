/**
 * `run-runbook-job`: runs a runbook an adopter registered in config
 * (`aiSre.runbooks`) as a Kubernetes Job. Only registered templates run;
 * the plan chooses the runbook and the values of the parameters the
 * template allows, which reach the Job only as environment variables
 * (never in commands or arguments). Every Job is bounded: its
 * `activeDeadlineSeconds` comes from config (at most an hour), it is
 * retried at most once, and it is labelled with the incident it serves.
 */
import type { Config } from '@backstage/config';
import type {
  AiSreAction,
  AiSreActionContext,
  AiSreActionParams,
} from '@internal/plugin-ai-sre-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import {
  describeKubeError,
  kubeJsonRequest,
  KubeRequestError,
} from './ClusterOps';

/** A runbook template as registered in `aiSre.runbooks`. */
export interface RunbookTemplate {
  name: string;
  /** Where its Jobs run; without it, the plan step names the namespace (`namespace` parameter). */
  namespace?: string;
  description: string;
  /** The Job spec (`template` with the pod template, `backoffLimit`...). */
  jobTemplate: Record<string, any>;
  activeDeadlineSeconds: number;
  /** Parameters a plan may set, each as the environment variable of that name. */
  params: string[];
}

/** The longest a runbook Job may run. */
export const MAX_RUNBOOK_SECONDS = 3600;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Parameters of the step itself, never passed to the Job. */
const RESERVED = ['runbook', 'namespace'];
const MAX_VALUE_LENGTH = 1024;
const PREFIX = 'ai-sre-runbook-';
/** Runbook names leave room for the prefix and an 8-character id in 63. */
const MAX_NAME_LENGTH = 63 - PREFIX.length - 9;

/** Reads and checks `aiSre.runbooks`; throws naming the first problem. */
export function readRunbooks(config: Config | undefined): RunbookTemplate[] {
  const entries = config?.getOptionalConfigArray('aiSre.runbooks') ?? [];
  const runbooks: RunbookTemplate[] = [];
  for (const entry of entries) {
    const name = entry.getString('name');
    const where = `aiSre.runbooks (${name})`;
    if (!DNS_LABEL.test(name) || name.length > MAX_NAME_LENGTH) {
      throw new Error(
        `${where}: name must be a lowercase DNS label of at most ${MAX_NAME_LENGTH} characters`,
      );
    }
    if (runbooks.some(r => r.name === name)) {
      throw new Error(`${where}: the name is used twice`);
    }
    const namespace = entry.getOptionalString('namespace');
    if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
      throw new Error(`${where}: namespace must be a DNS label`);
    }
    const activeDeadlineSeconds = entry.getNumber('activeDeadlineSeconds');
    if (
      !Number.isInteger(activeDeadlineSeconds) ||
      activeDeadlineSeconds < 1 ||
      activeDeadlineSeconds > MAX_RUNBOOK_SECONDS
    ) {
      throw new Error(
        `${where}: activeDeadlineSeconds must be an integer from 1 to ${MAX_RUNBOOK_SECONDS}`,
      );
    }
    const params = entry.getOptionalStringArray('params') ?? [];
    for (const param of params) {
      if (!ENV_NAME.test(param) || RESERVED.includes(param)) {
        throw new Error(
          `${where}: parameter ${param} must be an environment variable name other than ${RESERVED.join(
            ' and ',
          )}`,
        );
      }
    }
    let jobTemplate = entry.get('jobTemplate') as Record<string, any>;
    if (
      !jobTemplate ||
      typeof jobTemplate !== 'object' ||
      Array.isArray(jobTemplate)
    ) {
      throw new Error(`${where}: jobTemplate must be a Job spec`);
    }
    // A whole Job manifest: its spec (and labels) are the template.
    if (
      jobTemplate.kind === 'Job' ||
      (jobTemplate.spec && !jobTemplate.template)
    ) {
      jobTemplate = {
        ...jobTemplate.spec,
        labels: jobTemplate.metadata?.labels,
      };
    }
    const containers = jobTemplate.template?.spec?.containers;
    if (!Array.isArray(containers) || !containers.length) {
      throw new Error(
        `${where}: jobTemplate.template.spec.containers must list at least one container`,
      );
    }
    // Kubernetes expands `$(NAME)` in commands and arguments from the
    // environment: that would put a parameter into a command (and into a
    // shell, for `sh -c`).
    for (const c of [
      ...containers,
      ...(jobTemplate.template.spec.initContainers ?? []),
    ]) {
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
        const used = params.find(p => String(arg).includes(`$(${p})`));
        if (used) {
          throw new Error(
            `${where}: container ${c.name} uses parameter ${used} in its command or arguments; parameters are passed as environment variables only`,
          );
        }
      }
    }
    runbooks.push({
      name,
      namespace,
      description: entry.getString('description'),
      jobTemplate: structuredClone(jobTemplate),
      activeDeadlineSeconds,
      params,
    });
  }
  return runbooks;
}

/** A label value from any text (at most 63 characters, alphanumeric ends). */
function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The Job of one runbook run, snapshot for `revert`. */
interface RunbookSnapshot {
  namespace: string;
  name: string;
}

/**
 * The Job a runbook step creates. Its name is derived from the incident,
 * the runbook and the parameters, so the dry-run, the apply and a retry
 * of the same step agree on it (and the API server refuses a second run
 * of the same step for the same incident while the first Job exists).
 */
export function runbookJob(
  runbook: RunbookTemplate,
  params: AiSreActionParams,
  incidentId: string,
): Record<string, any> {
  const namespace = runbook.namespace ?? String(params.namespace);
  const env = runbook.params
    .filter(p => params[p] !== undefined)
    .map(p => ({ name: p, value: String(params[p]) }));
  const id = createHash('sha256')
    .update(
      JSON.stringify([
        incidentId,
        runbook.name,
        namespace,
        env.map(e => [e.name, e.value]),
      ]),
    )
    .digest('hex')
    .slice(0, 8);
  const labels = {
    'app.kubernetes.io/managed-by': 'ai-sre',
    'ai-sre.io/incident': labelValue(incidentId),
    'ai-sre.io/runbook': runbook.name,
  };
  const { labels: templateLabels, ...spec } = structuredClone(
    runbook.jobTemplate,
  );
  // The API server generates the selector; the bounds come from config.
  delete spec.selector;
  delete spec.manualSelector;
  delete spec.suspend;
  spec.activeDeadlineSeconds = runbook.activeDeadlineSeconds;
  spec.backoffLimit = Math.max(0, Math.min(Number(spec.backoffLimit ?? 1), 1));
  const pod = (spec.template ??= {});
  pod.metadata = {
    ...pod.metadata,
    labels: { ...pod.metadata?.labels, ...labels },
  };
  pod.spec.restartPolicy ??= 'Never';
  const names = new Set(env.map(e => e.name));
  for (const list of ['containers', 'initContainers'] as const) {
    for (const container of pod.spec[list] ?? []) {
      container.env = [
        ...(container.env ?? []).filter((e: any) => !names.has(e.name)),
        ...env,
      ];
    }
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${PREFIX}${runbook.name}-${id}`,
      namespace,
      labels: { ...templateLabels, ...labels },
      annotations: {
        'ai-sre.io/incident': incidentId,
        'ai-sre.io/runbook-description': runbook.description,
      },
    },
    spec,
  };
}

const jobsPath = (namespace: string, name?: string) =>
  `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs${
    name ? `/${encodeURIComponent(name)}` : ''
  }`;

/** The `run-runbook-job` action over the registered runbooks. */
export function createRunbookAction(options: {
  runbooks: RunbookTemplate[];
  kubeConfigFor(cluster: string): KubeConfig | undefined;
}): AiSreAction {
  const { runbooks } = options;
  const find = (params: AiSreActionParams) =>
    runbooks.find(r => r.name === params.runbook);
  const kubeConfig = (context: AiSreActionContext) => {
    const config = options.kubeConfigFor(context.cluster);
    if (!config)
      throw new Error(`Cluster ${context.cluster} is not configured`);
    return config;
  };
  const jobOf = (params: AiSreActionParams, context: AiSreActionContext) => {
    const runbook = find(params);
    if (!runbook) throw new Error(`Unknown runbook ${params.runbook}`);
    return runbookJob(runbook, params, context.incidentId);
  };
  const create = (
    job: Record<string, any>,
    context: AiSreActionContext,
    dryRun: boolean,
  ) =>
    kubeJsonRequest<Record<string, any>>(
      kubeConfig(context),
      'POST',
      jobsPath(job.metadata.namespace),
      {
        query: { dryRun: dryRun ? 'All' : undefined, fieldManager: 'ai-sre' },
        body: job,
        signal: context.signal,
      },
    );

  return {
    id: 'run-runbook-job',
    description: `Runs a runbook registered in aiSre.runbooks (${
      runbooks.map(r => r.name).join(', ') || 'none'
    }) as a Kubernetes Job bounded by its activeDeadlineSeconds and retried at most once; parameters reach the Job only as environment variables. Reverting deletes the Job and its pods (what the Job already did is not undone).`,
    risk: 'medium',
    validate(params) {
      const runbook = find(params);
      if (!runbook) {
        return `runbook must be one of ${
          runbooks.map(r => r.name).join(', ') || '(none registered)'
        }, got ${JSON.stringify(params.runbook)}`;
      }
      if (!runbook.namespace) {
        if (
          typeof params.namespace !== 'string' ||
          !DNS_LABEL.test(params.namespace)
        ) {
          return `runbook ${runbook.name} has no namespace: the step needs a namespace parameter`;
        }
      } else if (
        params.namespace !== undefined &&
        params.namespace !== runbook.namespace
      ) {
        return `runbook ${runbook.name} runs in ${runbook.namespace} only`;
      }
      for (const [key, value] of Object.entries(params)) {
        if (RESERVED.includes(key)) continue;
        if (!runbook.params.includes(key)) {
          return `runbook ${runbook.name} takes ${
            runbook.params.join(', ') || 'no parameters'
          }, not ${key}`;
        }
        if (String(value).length > MAX_VALUE_LENGTH) {
          return `parameter ${key} is longer than ${MAX_VALUE_LENGTH} characters`;
        }
      }
      return undefined;
    },
    async dryRun(params, context) {
      const job = jobOf(params, context);
      const admitted = await create(job, context, true);
      const { namespace, name } = job.metadata;
      const pod = admitted.spec?.template?.spec ?? {};
      const snapshot: RunbookSnapshot = { namespace, name };
      return {
        summary: `Run runbook ${params.runbook} as Job ${namespace}/${name} (at most ${admitted.spec?.activeDeadlineSeconds} s, ${admitted.spec?.backoffLimit} retries)`,
        object: { apiVersion: 'batch/v1', kind: 'Job', namespace, name },
        diff: [
          { path: 'job', before: null, after: `${namespace}/${name}` },
          {
            path: 'spec.activeDeadlineSeconds',
            before: null,
            after: admitted.spec?.activeDeadlineSeconds,
          },
          {
            path: 'spec.backoffLimit',
            before: null,
            after: admitted.spec?.backoffLimit,
          },
          ...(pod.containers ?? []).map((c: any) => ({
            path: `spec.template.spec.containers[${c.name}].image`,
            before: null,
            after: c.image,
          })),
          ...Object.entries(params)
            .filter(([key]) => !RESERVED.includes(key))
            .map(([key, value]) => ({
              path: `env.${key}`,
              before: null,
              after: String(value),
            })),
        ],
        snapshot,
      };
    },
    async apply(params, context) {
      await create(jobOf(params, context), context, false);
    },
    async revert(snapshot, context) {
      const { namespace, name } = snapshot as RunbookSnapshot;
      try {
        await kubeJsonRequest(
          kubeConfig(context),
          'DELETE',
          jobsPath(namespace, name),
          {
            query: { propagationPolicy: 'Foreground' },
            body: {
              apiVersion: 'v1',
              kind: 'DeleteOptions',
              propagationPolicy: 'Foreground',
            },
            signal: context.signal,
          },
        );
      } catch (error) {
        if ((error as KubeRequestError).code !== 404) throw error;
      }
    },
    async verify(params, context) {
      const { namespace, name } = jobOf(params, context).metadata;
      let job: Record<string, any>;
      try {
        job = await kubeJsonRequest(
          kubeConfig(context),
          'GET',
          jobsPath(namespace, name),
          { signal: context.signal },
        );
      } catch (error) {
        return {
          state: 'failed',
          reason: `Job ${namespace}/${name}: ${describeKubeError(error)}`,
        };
      }
      const status = job.status ?? {};
      const condition = (type: string) =>
        (status.conditions ?? []).find(
          (c: any) => c.type === type && c.status === 'True',
        );
      const failed = condition('Failed');
      if (failed) {
        return {
          state: 'failed',
          reason: `Job ${namespace}/${name} failed: ${failed.reason ?? ''} ${
            failed.message ?? ''
          }`.trim(),
        };
      }
      if (condition('Complete')) {
        return {
          state: 'passed',
          reason: `Job ${namespace}/${name} completed (${
            status.succeeded ?? 0
          } succeeded)`,
        };
      }
      return {
        state: 'pending',
        reason: `Job ${namespace}/${name}: ${status.active ?? 0} active, ${
          status.succeeded ?? 0
        } succeeded, ${status.failed ?? 0} failed`,
      };
    },
  };
}
