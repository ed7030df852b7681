/**
 * sandbox.watch_fanout: watch events delivered per second by the sandbox's
 * API server to 5 watchers (informers' watch streams over HTTP), while
 * 10,000 pods are created. Baseline: JSON.stringify of the same objects, as
 * many times as they are delivered.
 */
import http from 'node:http';
import { createApiServer, ObjectStore } from '@internal/k8s-sandbox';
import type { Benchmark } from './harness';

const PODS = 10_000;
const WATCHERS = 5;
const TOKEN = 'bench-admin';

function podObject(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i.toString(36).padStart(5, '0')}`,
      namespace: `ns-${i % 20}`,
      labels: {
        app: `app-${i % 50}`,
        'backstage.io/kubernetes-id': `svc-${i % 50}`,
      },
    },
    spec: {
      nodeName: `node-${i % 30}`,
      containers: [
        {
          name: 'app',
          image: `registry.example/app-${i % 50}:1.${i % 7}.0`,
          resources: {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { memory: '256Mi' },
          },
          ports: [{ containerPort: 8080, name: 'http' }],
        },
      ],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: i % 3,
          state: { running: { startedAt: '2025-03-04T00:00:00Z' } },
        },
      ],
    },
  };
}

/** Opens a raw HTTP watch and resolves when `expected` events arrived. */
function watch(
  url: string,
  expected: number,
): { done: Promise<void>; close(): void } {
  let received = 0;
  let buffer = '';
  let request: http.ClientRequest;
  const done = new Promise<void>((resolve, reject) => {
    request = http.get(
      `${url}/api/v1/pods?watch=1&resourceVersion=1`,
      { headers: { authorization: `Bearer ${TOKEN}` } },
      res => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line) {
              JSON.parse(line);
              received++;
            }
            newline = buffer.indexOf('\n');
          }
          if (received >= expected) resolve();
        });
        res.on('error', reject);
      },
    );
    request.on('error', reject);
  });
  return { done, close: () => request.destroy() };
}

const pods = Array.from({ length: PODS }, (_, i) => podObject(i));

export const watchFanout: Benchmark = {
  name: 'sandbox.watch_fanout',
  unit: 'watch events/s',
  goal: 'ratio >= 0.3',
  better: 'higher',
  runs: 3,
  async measure() {
    const store = new ObjectStore({
      clock: { now: () => Date.parse('2025-03-04T00:00:00Z') },
      historyLimit: PODS * 2,
    });
    const server = createApiServer({
      store,
      clock: { now: () => Date.now() },
      adminToken: TOKEN,
      tls: false,
    });
    const { url } = await server.listen(0);
    // resourceVersion 1: the watch replays everything after the first write
    store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'bench' },
    });
    const watchers = Array.from({ length: WATCHERS }, () => watch(url, PODS));
    await new Promise(resolve => setTimeout(resolve, 100));
    const start = process.hrtime.bigint();
    for (const pod of pods) store.create(pod);
    await Promise.all(watchers.map(w => w.done));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    watchers.forEach(w => w.close());
    await server.close();

    const baselineStart = process.hrtime.bigint();
    let bytes = 0;
    for (let w = 0; w < WATCHERS; w++) {
      for (const pod of pods) bytes += JSON.stringify(pod).length;
    }
    const baselineSeconds =
      Number(process.hrtime.bigint() - baselineStart) / 1e9;
    if (bytes === 0) throw new Error('unreachable');
    return {
      value: (PODS * WATCHERS) / seconds,
      baseline: {
        name: 'JSON.stringify of the same objects',
        value: (PODS * WATCHERS) / baselineSeconds,
      },
    };
  },
};
