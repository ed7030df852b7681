import { Harness, podManifest } from './testHarness';

const opts = { previous: false, timestamps: false };

describe('container logs', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('cycles the lines every 30s with virtual timestamps, tail and since', async () => {
    h = new Harness({ imagesYaml: '  app:1: {logs: [one, two, three]}\n' });
    await h.warmStart([podManifest('web', [{ name: 'app', image: 'app:1' }])]);
    await h.advance(95_000);
    const lines = h.agents.logs.read('default', 'web', 'app', opts);
    expect(lines).toEqual(['one', 'two', 'three', 'one']);
    expect(
      h.agents.logs.read('default', 'web', 'app', { ...opts, tailLines: 2 }),
    ).toEqual(['three', 'one']);
    expect(
      h.agents.logs.read('default', 'web', 'app', {
        ...opts,
        sinceSeconds: 40,
      }),
    ).toEqual(['three', 'one']);
    expect(
      (
        h.agents.logs.read('default', 'web', 'app', {
          ...opts,
          timestamps: true,
        }) as string[]
      )[1],
    ).toBe('2025-03-04T00:00:30.000000000Z two');
  });

  it('serves the previous instance and errors when there is none', async () => {
    h = new Harness({
      imagesYaml:
        '  app:1: {logs: [up], exit: {after: 5s, code: 1, log: fatal}}\n',
    });
    h.create(podManifest('web', [{ name: 'app', image: 'app:1' }]));
    await h.advance(0);
    const err = h.agents.logs.read('default', 'web', 'app', {
      ...opts,
      previous: true,
    });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      'previous terminated container "app" in pod "web" not found',
    );
    await h.advance(5000);
    // In back-off, the current log is the crashed instance.
    expect(h.agents.logs.read('default', 'web', 'app', opts)).toEqual([
      'up',
      'fatal',
    ]);
    await h.advance(10_000);
    expect(h.agents.logs.read('default', 'web', 'app', opts)).toEqual(['up']);
    expect(
      h.agents.logs.read('default', 'web', 'app', { ...opts, previous: true }),
    ).toEqual(['up', 'fatal']);
  });

  it('explains why a waiting container has no logs', async () => {
    h = new Harness({ imagesYaml: '  bad:1: {pull: not-found}\n' });
    h.create(podManifest('web', [{ name: 'app', image: 'bad:1' }]));
    await h.advance(2000);
    const err = h.agents.logs.read('default', 'web', 'app', opts) as Error;
    expect(err.message).toBe(
      'container "app" in pod "web" is waiting to start: trying and failing to pull image',
    );
  });

  it('follows new lines and ends when the container stops; log steps write raw lines', async () => {
    h = new Harness({
      imagesYaml: '  app:1: {logs: [tick], exit: {after: 65s, code: 0}}\n',
    });
    await h.warmStart([podManifest('web', [{ name: 'app', image: 'app:1' }])]);
    const got: string[] = [];
    let ended = false;
    h.agents.logs.follow(
      'default',
      'web',
      'app',
      l => got.push(l),
      () => {
        ended = true;
      },
    );
    await h.advance(10_000);
    h.overrides.writeLog('Pod/default/web', ['raw line']);
    await h.advance(50_000);
    expect(got).toEqual(['raw line', 'tick', 'tick']);
    expect(ended).toBe(false);
    await h.advance(5000);
    expect(ended).toBe(true);
  });

  it('bounds the retained lines', async () => {
    h = new Harness({ imagesYaml: '  app:1: {logs: [x]}\n' });
    await h.warmStart([podManifest('web', [{ name: 'app', image: 'app:1' }])]);
    await h.advance(24 * 3600_000);
    expect(h.agents.logs.read('default', 'web', 'app', opts)).toHaveLength(
      1000,
    );
  });
});
