import { AiSreDetector } from '@internal/plugin-ai-sre-node';
import { DetectorRegistry } from './DetectorRegistry';

function detector(id: string, title = id): AiSreDetector {
  return {
    id,
    title,
    reads: ['Pod'],
    severity: 'medium',
    debounceSeconds: 0,
    evaluate: () => [],
  };
}

describe('DetectorRegistry', () => {
  it('keeps detectors sorted by id', () => {
    const registry = new DetectorRegistry();
    registry.add(detector('b-detector'), detector('a-detector'));
    expect(registry.list().map(d => d.id)).toEqual([
      'a-detector',
      'b-detector',
    ]);
  });

  it('rejects ids that are not kebab-case', () => {
    const registry = new DetectorRegistry();
    expect(() => registry.add(detector('Crash Loop'))).toThrow(
      /Invalid AI SRE detector id "Crash Loop"/,
    );
  });

  it('rejects a second detector with the same id', () => {
    const registry = new DetectorRegistry();
    registry.add(detector('crash-loop'));
    expect(() => registry.add(detector('crash-loop', 'other'))).toThrow(
      /registered twice/,
    );
  });

  it('rejects a detector that cannot evaluate anything', () => {
    const registry = new DetectorRegistry();
    expect(() =>
      registry.add({ ...detector('idle'), evaluate: undefined }),
    ).toThrow(/neither evaluate nor evaluatePeriodic/);
  });
});
