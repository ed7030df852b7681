/** Helpers for the API tests (not exported from the package). */
import { ObjectStore } from './store';
import { createApiServer, ApiServer, ApiServerOptions } from './server';
import { KubeObject, LogProvider } from './types';

export const START = Date.parse('2025-03-04T00:00:00Z');

export class TestClock {
  t = START;
  now() {
    return this.t;
  }
}

/** A LogProvider over fixed lines, with a hook to push followed lines. */
export class TestLogs implements LogProvider {
  readonly lines = new Map<string, string[]>();
  private readonly followers = new Set<{
    key: string;
    onLine: (l: string) => void;
    onEnd?: () => void;
  }>();

  /** Ends every follow of a container (it stopped). */
  end(ns: string, pod: string, container: string) {
    const key = `${ns}/${pod}/${container}`;
    for (const f of [...this.followers]) if (f.key === key) f.onEnd?.();
  }

  set(ns: string, pod: string, container: string, lines: string[]) {
    this.lines.set(`${ns}/${pod}/${container}`, lines);
  }

  push(ns: string, pod: string, container: string, line: string) {
    const key = `${ns}/${pod}/${container}`;
    this.lines.set(key, [...(this.lines.get(key) ?? []), line]);
    for (const f of this.followers) if (f.key === key) f.onLine(line);
  }

  read(
    ns: string,
    pod: string,
    container: string,
    o: { tailLines?: number; previous: boolean },
  ) {
    if (o.previous)
      return new Error(
        `previous terminated container "${container}" in pod "${pod}" not found`,
      );
    const all = this.lines.get(`${ns}/${pod}/${container}`) ?? [];
    return o.tailLines !== undefined ? all.slice(-o.tailLines) : all;
  }

  follow(
    ns: string,
    pod: string,
    container: string,
    onLine: (l: string) => void,
    onEnd?: () => void,
  ) {
    const f = { key: `${ns}/${pod}/${container}`, onLine, onEnd };
    this.followers.add(f);
    return () => this.followers.delete(f);
  }
}

export const ADMIN_TOKEN = 'admin-token-for-tests';

export async function startServer(
  extra: Partial<ApiServerOptions> = {},
): Promise<{
  store: ObjectStore;
  clock: TestClock;
  api: ApiServer;
  url: string;
  httpsUrl?: string;
  logs: TestLogs;
}> {
  const clock = new TestClock();
  const store = extra.store ?? new ObjectStore({ clock });
  const logs = new TestLogs();
  const api = createApiServer({
    store,
    clock,
    adminToken: ADMIN_TOKEN,
    logs,
    ...extra,
  });
  const { url, httpsUrl } = await api.listen(0);
  return { store, clock, api, url, httpsUrl, logs };
}

export function readyPod(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  node = 'node-1',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'app:1' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 0,
          image: 'app:1',
          imageID: '',
          started: true,
          state: { running: { startedAt: '2025-03-04T00:00:00Z' } },
        },
      ],
    },
  };
}

export function deploymentManifest(
  name: string,
  namespace: string,
  replicas = 2,
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: `${name}:1` }] },
      },
    },
  };
}

export async function until(
  cond: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}
