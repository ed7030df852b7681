export interface Config {
  /** Configuration of the AI SRE plugin. */
  aiSre?: {
    /**
     * Clusters to watch. Clusters of the Kubernetes plugin
     * (`kubernetes.clusterLocatorMethods` of type `config`) are watched too,
     * unless `useKubernetesPluginClusters` is false; an entry here with the
     * same name adds to (or overrides) that cluster's settings.
     */
    clusters?: Array<{
      /** Unique cluster name, as in the Kubernetes plugin. */
      name: string;
      /** API server URL. Not needed for `kubeconfig` and `inCluster`. */
      url?: string;
      /**
       * `serviceAccount` (a bearer token), `kubeconfig` (a file and context)
       * or `inCluster` (the pod's own service account). Default
       * `serviceAccount`.
       */
      authProvider?: 'serviceAccount' | 'kubeconfig' | 'inCluster';
      /**
       * Bearer token for `serviceAccount`.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /** Path of a kubeconfig file for `kubeconfig`. */
      kubeconfigPath?: string;
      /** Context in the kubeconfig; default its current context. */
      context?: string;
      /** Skip TLS verification of the API server (sandbox, tests). */
      skipTLSVerify?: boolean;
      /**
       * Base64 PEM of the API server's CA.
       * @visibility secret
       */
      caData?: string;
      /** Turns watching of this cluster off. */
      disabled?: boolean;
      /** Where metrics come from. */
      metrics?: {
        /** A Prometheus-compatible HTTP API, e.g. http://prometheus:9090. */
        prometheusUrl?: string;
        /** Label matchers added to every PromQL query, e.g. `{cluster: prod}`. */
        prometheusSelector?: { [label: string]: string };
        /**
         * A `/metrics` endpoint to scrape directly (small setups without
         * Prometheus, and the sandbox); `cluster` means the API server's own
         * `/metrics` with the cluster's credentials.
         */
        scrapeUrl?: string;
        /** Seconds between scrapes; default 15. */
        scrapeIntervalSeconds?: number;
        /**
         * Without `prometheusUrl` or `scrapeUrl`, CPU and memory usage come
         * from the cluster's metrics.k8s.io (metrics-server); false turns
         * that off. Default true.
         */
        metricsServer?: boolean;
      };
    }>;
    /** Watch the Kubernetes plugin's config clusters too; default true. */
    useKubernetesPluginClusters?: boolean;
    telemetry?: {
      /** Seconds between full re-evaluations of cached objects; default 30. */
      resyncSeconds?: number;
      /**
       * Detector settings by detector id: `enabled`, `debounceSeconds`, and
       * numeric thresholds (see GET /api/ai-sre/detectors).
       */
      detectors?: {
        [detectorId: string]: { [setting: string]: number | boolean };
      };
      /** Bounds of log captures. */
      logs?: {
        /** Lines kept from the end of a container's log. Default 50. */
        tailLines?: number;
        /** Bytes read at most per log capture. Default 16384. */
        limitBytes?: number;
      };
      /**
       * Namespaces (or `*`) where the values of Secrets are read, when a
       * log is captured, to redact them exactly wherever they appear. Needs
       * RBAC to list Secrets there; the values are never stored. Elsewhere
       * only credential shapes (tokens, keys, passwords, connection
       * strings) are redacted.
       */
      secretValues?: {
        /** Namespaces whose Secret values are redacted from evidence. */
        namespaces?: string[];
      };
    };
    /** Alertmanager's webhook receiver (`POST /api/ai-sre/alerts/alertmanager`). */
    alertmanager?: {
      /**
       * Shared secret Alertmanager sends as a bearer token (its webhook
       * `http_config.authorization.credentials`). Without it the route is
       * closed.
       * @visibility secret
       */
      sharedSecret?: string;
    };
    /** Who hears about incidents, besides the pages showing them. */
    notifications?: {
      /** Backstage notifications to the owning group (default true). */
      enabled?: boolean;
      /** An outgoing webhook for every incident change people are told about. */
      webhook?: {
        url: string;
        /**
         * Shared secret: requests carry `X-AI-SRE-Signature: sha256=<HMAC-SHA256 of the body>`.
         * @visibility secret
         */
        secret: string;
      };
    };
    /** The incident workflow. */
    reasoning?: {
      /** Seconds between evaluations of each watched cluster's signals. Default 15. */
      intervalSeconds?: number;
      /** A resolved incident whose problem recurs within this many minutes re-opens. Default 30. */
      reopenWithinMinutes?: number;
      /** An incident resolves this many seconds after its last active signal. Default 120. */
      resolveAfterSeconds?: number;
      /**
       * Seconds an executed fix has to verify (rollouts finished, no symptom
       * recurring) before it is rolled back automatically. Default 300.
       */
      verifyWithinSeconds?: number;
    };
    /** How long data is kept (purged every 6 hours by one replica). */
    retention?: {
      /** Closed incidents (with trace, executions, checkpoints) are deleted after this many days. Default 180. */
      incidentsDays?: number;
      /** Resolved signals and recorded changes are deleted after this many days. Default 30. */
      signalsDays?: number;
      /** Log lines are dropped from signal evidence after this many days. Default 7. */
      logSnapshotsDays?: number;
    };
    /**
     * The deterministic safety policy every fix plan passes before anything
     * runs. Defaults: every change needs a human's approval; auto-execution
     * is off until turned on here.
     */
    policy?: {
      autoExecute?: {
        /** Run allowed plans without a human; default false. */
        enabled?: boolean;
        /** Least root-cause confidence (0..1) to act without a human; default 0.8. */
        minConfidence?: number;
        /**
         * Actions auto-execution may run; default restart-workload,
         * delete-pod, cordon-node, suspend-cronjob, notify-owner, monitor.
         */
        actions?: string[];
      };
      requireApproval?: {
        /** Catalog lifecycles needing approval for any change; default ['production']. */
        lifecycles?: string[];
        /** Target kinds (or a Pod owned by one) needing approval; default ['StatefulSet', 'Node']. */
        kinds?: string[];
        /** Namespaces (exact, or a prefix ending in `*`) needing approval; default none. */
        namespaces?: string[];
        /** Actions that always need approval; default none. */
        actions?: string[];
        /** Plan-step risks needing approval; default ['high']. */
        risks?: Array<'low' | 'medium' | 'high'>;
        /** A change for an incident without a catalog entity needs approval; default true. */
        unknownEntity?: boolean;
      };
      /** Actions that may run at all; default the whole allow-list. */
      allowedActions?: string[];
      blastRadius?: {
        /** Replicas a plan may add or remove (scale, autoscaler bounds); default 10. */
        maxReplicasChanged?: number;
        /** Pods a plan may restart, evict or delete; default 25. */
        maxPodsRestarted?: number;
        /** Distinct nodes a plan may cordon or drain; default 1. */
        maxNodesTouched?: number;
        /** Above a limit: `ask-human` (default) or `refuse`. */
        onExceed?: 'ask-human' | 'refuse';
      };
      rateLimits?: {
        /** Cluster changes per entity per rolling hour, the plan included; default 3. */
        actionsPerEntityPerHour?: number;
        /** Retries after the first attempt for one incident; default 2. */
        maxRetries?: number;
      };
      /** Never auto-execute; approved steps run as server-side dry-runs only; default false. */
      dryRun?: boolean;
      /** Workloads managed by Argo CD or Flux. */
      gitops?: {
        /**
         * Patch them directly (their controller would put the change back
         * from Git). Default false: refused, naming the Git source to change.
         */
        allowDirectPatch?: boolean;
      };
      killSwitch?: {
        /** Stops every execution; default false. */
        global?: boolean;
        /** Entity refs nothing may be executed for. */
        entities?: string[];
      };
      /**
       * Planned work: signals are recorded, no incident, notification or
       * execution. Either `start`/`end` (ISO 8601) or `weekly` (UTC).
       */
      maintenanceWindows?: Array<{
        name?: string;
        entityRefs?: string[];
        /** Namespaces, exact or a prefix ending in `*`; `*` for all. */
        namespaces?: string[];
        clusters?: string[];
        start?: string;
        end?: string;
        weekly?: {
          /** mon, tue, wed, thu, fri, sat, sun */
          days: string[];
          /** HH:MM UTC, inclusive. */
          from: string;
          /** HH:MM UTC, exclusive; at or before `from` means the next day. */
          to: string;
        };
        reason?: string;
      }>;
      /** Known noise: matching signals are recorded, no incident or notification. */
      suppressions?: Array<{
        detector?: string;
        entityRef?: string;
        namespace?: string;
        cluster?: string;
        reason?: string;
        /** ISO 8601; the rule lapses then. */
        until?: string;
      }>;
      approval?: {
        /** A pending approval expires after this many minutes; default 60. */
        expiresAfterMinutes?: number;
        /** Group or user ref to escalate an unanswered approval to. */
        escalateTo?: string;
        /** Minutes before escalating. */
        escalateAfterMinutes?: number;
        secondApprover?: {
          /** A plan a human adjusted needs a second approver; default true ... */
          forAdjustedPlans?: boolean;
          /** ... for entities with these lifecycles; default ['production']. */
          lifecycles?: string[];
        };
      };
    };
    /**
     * An optional language model that enriches incidents: a plain-language
     * summary, and extra hypotheses when the deterministic ranking is unsure.
     * Its output is validated and ranked below the rules; plans and policy
     * decisions never read it. Without this block no model is used.
     */
    model?: {
      /**
       * `openai` (also OpenAI-compatible servers, with `baseUrl`),
       * `anthropic`, `ollama` or `bedrock`.
       */
      provider: 'openai' | 'anthropic' | 'ollama' | 'bedrock';
      /** The provider's model name, e.g. `gpt-4o-mini`, `llama3.1`. */
      model: string;
      /** Base URL of an OpenAI-compatible server, Ollama, or an Anthropic proxy. */
      baseUrl?: string;
      /**
       * API key (OpenAI, Anthropic); default the provider's environment
       * variable (OPENAI_API_KEY, ANTHROPIC_API_KEY).
       * @visibility secret
       */
      apiKey?: string;
      /** AWS region (Bedrock; required there). */
      region?: string;
      /**
       * Static AWS credentials (Bedrock); default the AWS SDK's chain
       * (environment, shared profile, web identity, instance role).
       */
      credentials?: {
        /** @visibility secret */
        accessKeyId: string;
        /** @visibility secret */
        secretAccessKey: string;
        /** @visibility secret */
        sessionToken?: string;
      };
      /** Sampling temperature; default 0. */
      temperature?: number;
      /** Give up on a call after this many milliseconds; default 30000. */
      timeoutMs?: number;
      /** Most tokens of one answer; default 800. */
      maxOutputTokens?: number;
      /** Longest prompt in characters (at least 2000); default 12000. */
      maxPromptChars?: number;
      /**
       * Extra hypotheses are asked for when the top deterministic confidence
       * is below this (or there is no hypothesis); default 0.8.
       */
      minConfidenceToSkip?: number;
      /**
       * Also ask for a summary (only) when the ranking is confident; false
       * calls the model only when it is unsure. Default true.
       */
      summaries?: boolean;
      /** Tokens (input + output) one incident may use; default 4000. */
      maxTokensPerIncident?: number;
      /** Tokens all incidents may use per UTC day of the clock; default 200000. */
      maxTokensPerDay?: number;
      /**
       * Entities whose incidents are never sent to the model, besides those
       * annotated `ai-sre.io/model-opt-out: "true"`.
       */
      optOut?: {
        entityRefs?: string[];
      };
    };
    /**
     * Runbooks the `run-runbook-job` action may run as Kubernetes Jobs. Only
     * these templates run; a plan step picks one by name and sets the
     * parameters it allows, which reach the Job only as environment
     * variables. The planner does not propose runbooks yet.
     */
    runbooks?: Array<{
      /** Unique name, a lowercase DNS label of at most 39 characters. */
      name: string;
      /**
       * Namespace the Job runs in; without it, the plan step names it (its
       * `namespace` parameter).
       */
      namespace?: string;
      /** What the runbook does, for people approving it. */
      description: string;
      /**
       * The Job spec (`template` with the pod template, `backoffLimit`...)
       * or a whole Job manifest. `activeDeadlineSeconds` is set from this
       * entry, `backoffLimit` is at most 1, `restartPolicy` defaults to
       * `Never`, and the Job is labelled `app.kubernetes.io/managed-by:
       * ai-sre` and `ai-sre.io/incident`.
       */
      jobTemplate: { [key: string]: any };
      /** Longest the Job may run, in seconds: 1 to 3600. */
      activeDeadlineSeconds: number;
      /**
       * Parameters a plan step may set, each passed to every container as
       * the environment variable of that name (never into commands).
       */
      params?: string[];
    }>;
  };
}
