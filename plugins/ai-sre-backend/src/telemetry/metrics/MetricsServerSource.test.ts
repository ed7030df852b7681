import { KubeClient } from '../kube/KubeClient';
import { clockOf, kubeConfigOf, startExample } from '../__testUtils__/sandbox';
import { MetricsServerSource } from './MetricsServerSource';

jest.setTimeout(60_000);

describe('MetricsServerSource', () => {
  it('reads CPU and memory usage of containers from metrics.k8s.io', async () => {
    const sandbox = await startExample('bookstore-oom-low-memory-limit');
    try {
      await sandbox.advance(30_000);
      const source = new MetricsServerSource(
        new KubeClient(kubeConfigOf(sandbox)),
        clockOf(sandbox.clock),
      );
      const memory = await source.latest('container_memory_working_set_bytes', {
        namespace: 'bookstore',
      });
      const postgres = memory.find(s => s.labels.pod === 'postgres-0');
      expect(postgres?.labels.container).toBe('pg');
      // The image starts at 410Mi of working set.
      expect(postgres?.samples[0][1]).toBeGreaterThan(400 * 1024 * 1024);
      const cpu = await source.rate(
        'container_cpu_usage_seconds_total',
        { pod: 'postgres-0' },
        120,
      );
      expect(cpu).toHaveLength(1);
      expect(cpu[0].samples[0][1]).toBeGreaterThan(0);
      expect(cpu[0].samples[0][1]).toBeLessThan(1);
      expect(
        await source.rate('container_cpu_cfs_throttled_periods_total', {}, 120),
      ).toEqual([]);
      expect(await source.quantile()).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });
});
