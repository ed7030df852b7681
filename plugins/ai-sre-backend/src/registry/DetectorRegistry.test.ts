import { DetectorRegistry } from './DetectorRegistry';

describe('DetectorRegistry', () => {
  it('keeps detectors sorted by id', () => {
    const registry = new DetectorRegistry();
    registry.add(
      { id: 'b-detector', title: 'B', reads: ['Pod'] },
      { id: 'a-detector', title: 'A', reads: ['Node'] },
    );
    expect(registry.list().map(d => d.id)).toEqual([
      'a-detector',
      'b-detector',
    ]);
  });

  it('rejects ids that are not kebab-case', () => {
    const registry = new DetectorRegistry();
    expect(() =>
      registry.add({ id: 'Crash Loop', title: 'x', reads: [] }),
    ).toThrow(/Invalid AI SRE detector id "Crash Loop"/);
  });

  it('rejects a second detector with the same id', () => {
    const registry = new DetectorRegistry();
    registry.add({ id: 'crash-loop', title: 'x', reads: [] });
    expect(() =>
      registry.add({ id: 'crash-loop', title: 'y', reads: [] }),
    ).toThrow(/registered twice/);
  });
});
