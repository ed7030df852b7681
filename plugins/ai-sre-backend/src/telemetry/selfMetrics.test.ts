import type { Meter } from '@opentelemetry/api';
import { registerSelfMetrics } from './selfMetrics';

describe('registerSelfMetrics', () => {
  it('reports per-cluster health as observations', () => {
    let callback: ((result: any) => void) | undefined;
    const instruments: string[] = [];
    const create = (name: string) => {
      instruments.push(name);
      return { name };
    };
    const meter = {
      createObservableGauge: create,
      createObservableCounter: create,
      addBatchObservableCallback: (cb: (result: any) => void) => {
        callback = cb;
      },
    } as unknown as Meter;
    registerSelfMetrics(
      () => [
        {
          name: 'prod',
          watchedHere: true,
          status: {
            synced: true,
            watches: 14,
            apiRequests: 120,
            lastEventAt: '2025-03-04T00:00:50.000Z',
            errors: 1,
            relists: 2,
            activeSignals: 3,
            signalsOpened: 5,
          },
        },
        { name: 'dev', watchedHere: false },
      ],
      () => Date.parse('2025-03-04T00:01:00.000Z'),
      meter,
    );
    const observed: Record<string, number> = {};
    callback!({
      observe: (
        instrument: { name: string },
        value: number,
        attributes: { cluster: string },
      ) => {
        observed[`${instrument.name}{${attributes.cluster}}`] = value;
      },
    });
    expect(observed).toEqual({
      'ai_sre.cluster.connected{prod}': 1,
      'ai_sre.cluster.watches{prod}': 14,
      'ai_sre.cluster.api_requests{prod}': 120,
      'ai_sre.cluster.watch_errors{prod}': 1,
      'ai_sre.cluster.relists{prod}': 2,
      'ai_sre.signals.active{prod}': 3,
      'ai_sre.signals.opened{prod}': 5,
      'ai_sre.cluster.last_event_age{prod}': 10,
      'ai_sre.cluster.connected{dev}': 0,
    });
    expect(instruments).toHaveLength(8);
  });
});
