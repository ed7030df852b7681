import {
  createExtensionPoint,
  type LoggerService,
} from '@backstage/backend-plugin-api';

/**
 * Parameters of a plan step, as the plan carries them.
 *
 * @public
 */
export type AiSreActionParams = Record<string, string | number | boolean>;

/**
 * What an action is given on every call.
 *
 * @public
 */
export interface AiSreActionContext {
  /** The cluster of the incident (as named in config). */
  cluster: string;
  /** The incident the plan belongs to (`preview` for a preview without one). */
  incidentId: string;
  logger: LoggerService;
  /** Aborts when the call has run out of time; pass it to every request. */
  signal: AbortSignal;
  /**
   * The snapshot this step's dry-run returned, as recorded (for `apply`
   * and `verify`; undefined during the dry-run itself).
   */
  snapshot?: unknown;
}

/** One line of what an action changes. @public */
export interface AiSreActionDiffLine {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * The result of an action's dry-run: what would change, and what `revert`
 * needs to undo it.
 *
 * @public
 */
export interface AiSreActionDryRun {
  diff: AiSreActionDiffLine[];
  /**
   * Whatever `revert` needs to undo the change (the value before it). It
   * is stored with the execution record: it must be plain JSON.
   */
  snapshot: unknown;
  /** One line for people, e.g. `Turn feature flag checkout-v2 off`. */
  summary?: string;
  /**
   * What the action touches, as the execution record shows it (default:
   * kind `Action`, named by the action id).
   */
  object?: {
    apiVersion?: string;
    kind: string;
    namespace?: string;
    name: string;
  };
  /**
   * Set when the change could be worked out but will not be applied (e.g.
   * a Helm rollback without a registered rollback implementation): the
   * step fails its dry-run with this reason, so nothing of the plan runs.
   */
  refusal?: string;
}

/**
 * The outcome of an action's post-condition check.
 *
 * @public
 */
export interface AiSreActionVerification {
  state: 'passed' | 'pending' | 'failed';
  reason: string;
}

/**
 * A self-contained remediation action that is not a Kubernetes patch
 * (feature-flag toggles, Helm rollbacks, runbook Jobs). The executor calls
 * `validate`, then `dryRun` (the diff a person approves), then `apply`;
 * `revert` undoes an applied change from the dry-run's snapshot (when a
 * later step fails, or on rollback); `verify` is part of the execution's
 * post-conditions.
 *
 * Plans only carry such actions when a person (or an adopter's code) puts
 * them there: the built-in planner proposes the allow-listed Kubernetes
 * actions only.
 *
 * @public
 */
export interface AiSreAction {
  /** Stable kebab-case id, used as the plan step's `action`, e.g. `toggle-feature-flag`. */
  id: string;
  /** One or two sentences for people: what it does and what it cannot do. */
  description: string;
  risk: 'low' | 'medium' | 'high';
  /** Why the parameters are invalid, or undefined when they are valid. */
  validate(params: AiSreActionParams): string | undefined;
  /** Reads the current state and says what would change; changes nothing. */
  dryRun(
    params: AiSreActionParams,
    context: AiSreActionContext,
  ): Promise<AiSreActionDryRun>;
  apply(params: AiSreActionParams, context: AiSreActionContext): Promise<void>;
  /** Undoes `apply` from the snapshot its dry-run returned. */
  revert(snapshot: unknown, context: AiSreActionContext): Promise<void>;
  /** The post-condition of an applied change; absent means it holds once applied. */
  verify?(
    params: AiSreActionParams,
    context: AiSreActionContext,
  ): Promise<AiSreActionVerification>;
}

/**
 * A feature-flag service the `toggle-feature-flag` action reads and
 * writes. Boolean flags only.
 *
 * @public
 */
export interface AiSreFeatureFlagProvider {
  /** Names the flag service in summaries, e.g. `flagd` or `flipt`. */
  name: string;
  /** The flag's current value; throws when the flag is unknown or not boolean. */
  getFlag(key: string, context: AiSreActionContext): Promise<boolean>;
  setFlag(
    key: string,
    enabled: boolean,
    context: AiSreActionContext,
  ): Promise<void>;
}

/**
 * One revision of a Helm release.
 *
 * @public
 */
export interface AiSreHelmRevision {
  revision: number;
  /** Helm's status: `deployed`, `superseded`, `failed`, `pending-upgrade`... */
  status: string;
  chart: string;
  chartVersion: string;
  appVersion?: string;
  /** ISO 8601, when this revision was deployed. */
  updated?: string;
  description?: string;
}

/**
 * Helm releases, for the `helm-rollback` action.
 *
 * @public
 */
export interface AiSreHelmReleases {
  /** Revisions of a release, oldest first (empty when there is no such release). */
  history(
    namespace: string,
    release: string,
    context: AiSreActionContext,
  ): Promise<AiSreHelmRevision[]>;
  /**
   * Rolls the release back to `revision` the way `helm rollback` does
   * (through Helm itself, or the adopter's GitOps tooling). Without it,
   * `helm-rollback` only previews and refuses to apply.
   */
  rollback?(
    namespace: string,
    release: string,
    revision: number,
    context: AiSreActionContext,
  ): Promise<void>;
}

/**
 * Lets other backend modules add remediation actions to the AI SRE
 * plugin: any self-contained action, a feature-flag provider (becomes the
 * `toggle-feature-flag` action) and Helm release handling (the
 * `helm-rollback` action).
 *
 * @public
 */
export interface AiSreActionsExtensionPoint {
  /** Ids must be unique and must not be one of the built-in actions. */
  addAction(...actions: AiSreAction[]): void;
  /** The flag service behind `toggle-feature-flag` (one per backend). */
  setFeatureFlagProvider(provider: AiSreFeatureFlagProvider): void;
  /**
   * Helm release handling behind `helm-rollback`. Without `history`, the
   * plugin reads Helm's storage Secrets; without `rollback`, it refuses to
   * apply (one per backend).
   */
  setHelmReleases(releases: Partial<AiSreHelmReleases>): void;
}

/** @public */
export const aiSreActionsExtensionPoint =
  createExtensionPoint<AiSreActionsExtensionPoint>({
    id: 'ai-sre.actions',
  });
