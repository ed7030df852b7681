import { AiSreDetectorDescriptor } from '@internal/plugin-ai-sre-node';

const DETECTOR_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Detectors added through the extension point, validated once on add. */
export class DetectorRegistry {
  private readonly detectors = new Map<string, AiSreDetectorDescriptor>();

  add(...detectors: AiSreDetectorDescriptor[]): void {
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
      this.detectors.set(detector.id, { ...detector });
    }
  }

  list(): AiSreDetectorDescriptor[] {
    return [...this.detectors.values()].sort((a, b) =>
      a.id.localeCompare(b.id),
    );
  }
}
