import { Harness, podManifest } from './testHarness';

describe('node state', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('freezes pods of a NotReady node: no logs, metrics, probes or restarts', async () => {
    h = new Harness({
      imagesYaml: '  app:1: {logs: [a, b], exit: {after: 60s, code: 1}}\n',
    });
    await h.warmStart([podManifest('web', [{ name: 'app', image: 'app:1' }])]);
    await h.advance(40_000);
    h.setNodeConditions('node-1', { Ready: 'Unknown' });
    await h.advance(100_000);
    expect(h.agents.metricsApi.podMetrics()).toHaveLength(0);
    expect(h.agents.metricsApi.nodeMetrics()).toHaveLength(0);
    expect(h.status('web').state.running).toBeDefined();
    const lines = h.agents.logs.read('default', 'web', 'app', {
      previous: false,
      timestamps: false,
    });
    expect(lines).toEqual(['a', 'b']);
    h.setNodeConditions('node-1', { Ready: 'True' });
    await h.advance(19_000);
    expect(h.status('web').state.running).toBeDefined();
    await h.advance(1000);
    expect(h.status('web').lastState.terminated.exitCode).toBe(1);
  });

  it('keeps a deleted pod Terminating on a NotReady node until it returns', async () => {
    h = new Harness();
    await h.warmStart([podManifest('web', [{ name: 'app', image: 'app:1' }])]);
    h.store.setGracefulDeletion(
      (obj, _type, options) =>
        obj.kind === 'Pod' &&
        !!(obj as any).spec?.nodeName &&
        options.gracePeriodSeconds !== 0,
    );
    h.setNodeConditions('node-1', { Ready: 'Unknown' });
    h.store.delete('pods', 'default', 'web');
    await h.advance(10_000);
    expect(h.pod('web').metadata.deletionTimestamp).toBeDefined();
    h.setNodeConditions('node-1', { Ready: 'True' });
    await h.advance(0);
    expect(h.store.tryGet('pods', 'default', 'web')).toBeUndefined();
  });

  it('removes a deleted pod at once on a Ready node', async () => {
    h = new Harness();
    await h.warmStart([podManifest('web', [{ name: 'app', image: 'app:1' }])]);
    h.store.setGracefulDeletion(
      (obj, _type, options) =>
        obj.kind === 'Pod' && options.gracePeriodSeconds !== 0,
    );
    h.store.delete('pods', 'default', 'web');
    expect(h.pod('web').metadata.deletionTimestamp).toBeDefined();
    await h.advance(0);
    expect(h.store.tryGet('pods', 'default', 'web')).toBeUndefined();
  });

  it('evicts under memory pressure: lowest priority, then largest usage above requests', async () => {
    h = new Harness({
      imagesYaml: '  big:1: {memory: 600Mi}\n  small:1: {memory: 300Mi}\n',
    });
    const req = (m: string) => ({ resources: { requests: { memory: m } } });
    await h.warmStart([
      podManifest(
        'important',
        [{ name: 'c', image: 'big:1', ...req('256Mi') }],
        { spec: { priority: 1000 } },
      ),
      podManifest('big', [{ name: 'c', image: 'big:1', ...req('256Mi') }]),
      podManifest('small', [{ name: 'c', image: 'small:1', ...req('256Mi') }]),
      podManifest('daemon', [{ name: 'c', image: 'big:1' }], {
        owner: {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          name: 'ds',
          uid: 'x',
          controller: true,
        },
      }),
      podManifest('critical', [{ name: 'c', image: 'big:1' }], {
        spec: { priority: 2000000000 },
      }),
    ]);
    h.setNodeConditions('node-1', { MemoryPressure: 'True' });
    await h.advance(0);
    expect(h.pod('big').status.phase).toBe('Failed');
    expect(h.pod('big').status.reason).toBe('Evicted');
    expect(h.pod('big').status.message).toBe(
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. Container c was using 600Mi, request is 256Mi, has larger consumption of memory.',
    );
    expect(h.pod('small').status.phase).toBe('Running');
    await h.advance(10_000);
    expect(h.pod('small').status.phase).toBe('Failed');
    await h.advance(10_000);
    expect(h.pod('important').status.phase).toBe('Failed');
    await h.advance(30_000);
    expect(h.pod('daemon').status.phase).toBe('Running');
    expect(h.pod('critical').status.phase).toBe('Running');
    expect(h.events_('Evicted')).toHaveLength(3);
  });
});
