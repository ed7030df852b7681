import { Change, changeSchema } from '@internal/plugin-ai-sre-common';
import type { Sandbox } from '@internal/k8s-sandbox';
import { ClusterMonitor } from '../ClusterMonitor';
import { KubeClient } from '../kube/KubeClient';
import {
  clockOf,
  kubeConfigOf,
  quiesce,
  startExample,
} from '../__testUtils__/sandbox';

jest.setTimeout(120_000);

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('ChangeTracker on the sandbox', () => {
  it('records the catalog-api 2.5.0 rollout as revision 2', async () => {
    const sandbox: Sandbox = await startExample(
      'bookstore-crashloop-after-deploy',
    );
    const clock = clockOf(sandbox.clock);
    const changes: Change[] = [];
    // The monitor's own ChangeTracker sees every cache change.
    const monitor = new ClusterMonitor({
      cluster: 'sandbox',
      client: new KubeClient(kubeConfigOf(sandbox)),
      clock,
      detectors: [],
      settings: () => ({}),
      emit: () => {},
      emitChange: change => changes.push(changeSchema.parse(change) as Change),
      logger,
    });
    try {
      monitor.start();
      const received = () =>
        monitor
          .health()
          .informers.reduce((sum, i) => sum + i.events + i.lists, 0);
      await quiesce(received);
      expect(changes).toEqual([]);
      for (let t = 0; t < 200; t += 5) {
        await sandbox.advance(5000);
        await quiesce(received, 15);
      }
    } finally {
      monitor.stop();
      await sandbox.stop();
    }

    const revisions = changes.filter(
      c =>
        c.kind === 'workload-revision' &&
        c.object.kind === 'Deployment' &&
        c.object.namespace === 'bookstore' &&
        c.object.name === 'catalog-api',
    );
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({
      revision: '2',
      summary:
        'catalog-api: image ghcr.io/example-bookstore/catalog-api:2.4.0 -> 2.5.0',
      diff: [
        {
          path: 'spec.template.spec.containers[catalog-api].image',
          before: 'ghcr.io/example-bookstore/catalog-api:2.4.0',
          after: 'ghcr.io/example-bookstore/catalog-api:2.5.0',
        },
      ],
      labels: expect.objectContaining({
        'backstage.io/kubernetes-id': 'catalog-api',
      }),
    });
    // The rollout happened at 100 s of the scenario.
    const at = Date.parse(revisions[0].at) - sandbox.clock.now();
    expect(at).toBeGreaterThan(-105_000);
    expect(at).toBeLessThan(-95_000);
    // Nothing else in the scenario changes.
    expect(changes.filter(c => c.kind !== 'workload-revision')).toEqual([]);
  });
});
