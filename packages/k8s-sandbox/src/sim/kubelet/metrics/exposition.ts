/** The `/metrics` text: cAdvisor, application and kube-state-metrics. */
import { writeCadvisor, writeRequests } from './cadvisor';
import { writeKubeStateMetrics } from './ksm';
import type { MetricsSource } from './source';
import { ExpositionWriter } from './writer';

export function exposition(source: MetricsSource): string {
  const w = new ExpositionWriter(source.now());
  writeCadvisor(source, w);
  writeRequests(source, w);
  writeKubeStateMetrics(source.ctx.store, w);
  return w.text();
}
