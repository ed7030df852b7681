/**
 * The two halves of the simulated cluster and what the orchestrator needs
 * from each. Controllers (control plane: workload controllers, scheduler,
 * node lifecycle, HPA, endpoints, admission) and kubelets (one per node:
 * containers, probes, restarts, usage, logs, metrics) talk only through the
 * store, as in Kubernetes.
 */
import type { LogProvider, MetricsProvider } from '../api/types';
import type { PodMetricsSource } from './context';

export interface SimComponent {
  /** Stops timers and watches. */
  stop(): void;
}

export interface ControlPlane extends SimComponent {
  /** Admission hooks, graceful deletion etc. are installed on the store. */
}

export interface NodeAgents extends SimComponent, PodMetricsSource {
  /** Serves `pods/{name}/log`. */
  logs: LogProvider;
  /** Serves `metrics.k8s.io/v1beta1`. */
  metricsApi: MetricsProvider;
  /**
   * The Prometheus text exposition (version 0.0.4) of cAdvisor, application
   * and kube-state-metrics series, every sample stamped with the virtual
   * clock's time in milliseconds.
   */
  exposition(): string;
}
