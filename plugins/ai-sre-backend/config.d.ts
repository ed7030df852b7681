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
      logs?: { tailLines?: number; limitBytes?: number };
      /**
       * Namespaces (or `*`) where the values of Secrets are read, when a
       * log is captured, to redact them exactly wherever they appear. Needs
       * RBAC to list Secrets there; the values are never stored. Elsewhere
       * only credential shapes (tokens, keys, passwords, connection
       * strings) are redacted.
       */
      secretValues?: { namespaces?: string[] };
    };
    alertmanager?: {
      /**
       * Shared secret Alertmanager sends as a bearer token (its webhook
       * `http_config.authorization.credentials`). Without it the route is
       * closed.
       * @visibility secret
       */
      sharedSecret?: string;
    };
  };
}
