import {
  AiSreDetector,
  AiSreDetectorDescriptor,
} from '@internal/plugin-ai-sre-node';

const DETECTOR_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** What the API tells about a detector. */
export interface DetectorInfo extends AiSreDetectorDescriptor {
  severity: AiSreDetector['severity'];
  debounceSeconds: number;
  kind: 'object' | 'periodic';
}

/** Detectors (built in and added by modules), validated once on add. */
export class DetectorRegistry {
  private readonly detectors = new Map<string, AiSreDetector>();

  add(...detectors: AiSreDetector[]): void {
    for (const detector of detectors) {
      if (!DETECTOR_ID.test(detector.id)) {
        throw new Error(
          `Invalid AI SRE detector id "${detector.id}": use kebab-case, e.g. "queue-depth"`,
        );
      }
      if (this.detectors.has(detector.id)) {
        throw new Error(
          `AI SRE detector "${detector.id}" was registered twice; detector ids must be unique`,
        );
      }
      if (!detector.evaluate && !detector.evaluatePeriodic) {
        throw new Error(
          `AI SRE detector "${detector.id}" has neither evaluate nor evaluatePeriodic`,
        );
      }
      this.detectors.set(detector.id, detector);
    }
  }

  /** Every detector, sorted by id. */
  all(): AiSreDetector[] {
    return [...this.detectors.values()].sort((a, b) =>
      a.id.localeCompare(b.id),
    );
  }

  list(): DetectorInfo[] {
    return this.all().map(detector => ({
      id: detector.id,
      title: detector.title,
      ...(detector.description ? { description: detector.description } : {}),
      reads: detector.reads,
      severity: detector.severity,
      debounceSeconds: detector.debounceSeconds,
      kind: detector.evaluate ? 'object' : 'periodic',
    }));
  }
}
