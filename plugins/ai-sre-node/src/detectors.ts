import { createExtensionPoint } from '@backstage/backend-plugin-api';

/**
 * Describes a detector: a rule that turns what telemetry observes into
 * signals. Ids are stable: they key thresholds in config, suppression rules
 * and false-positive statistics.
 *
 * @public
 */
export interface AiSreDetectorDescriptor {
  /** Stable id, kebab-case, e.g. `crash-loop` or `acme-queue-depth`. */
  id: string;
  /** One line for people. */
  title: string;
  description?: string;
  /** Kubernetes kinds (or `Alert`, `Metric`) the detector reads. */
  reads: string[];
}

/**
 * Lets other backend modules add detectors to the AI SRE plugin.
 *
 * @public
 */
export interface AiSreDetectorsExtensionPoint {
  addDetector(...detectors: AiSreDetectorDescriptor[]): void;
}

/** @public */
export const aiSreDetectorsExtensionPoint =
  createExtensionPoint<AiSreDetectorsExtensionPoint>({
    id: 'ai-sre.detectors',
  });
