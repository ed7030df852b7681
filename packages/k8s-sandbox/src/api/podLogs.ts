/** `GET pods/{name}/log`, delegating to a LogProvider. */
import { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './errors';
import { boolParam, intParam, sendText } from './http';
import { KubeObject, LogProvider } from './types';

type Obj = Record<string, any>;

function containerNames(pod: Obj): string[] {
  return [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((c: Obj) => c.name);
}

/** The container a log request means (the only one when unnamed). */
export function resolveContainer(pod: KubeObject, requested: string | null) {
  const p = pod as Obj;
  const name = p.metadata?.name;
  const all = containerNames(p);
  if (requested) {
    if (!all.includes(requested)) {
      throw badRequest(`container ${requested} is not valid for pod ${name}`);
    }
    return requested;
  }
  const main: string[] = (p.spec?.containers ?? []).map((c: Obj) => c.name);
  const defaulted =
    p.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (defaulted && all.includes(defaulted)) return defaulted;
  if (main.length === 1) return main[0];
  throw badRequest(
    `a container name must be specified for pod ${name}, choose one of: [${main.join(
      ' ',
    )}]`,
  );
}

export function servePodLog(
  req: IncomingMessage,
  res: ServerResponse,
  pod: KubeObject,
  q: URLSearchParams,
  logs: LogProvider | undefined,
): void {
  const namespace = pod.metadata!.namespace!;
  const podName = pod.metadata!.name!;
  const container = resolveContainer(pod, q.get('container'));
  const limitBytes = intParam(q.get('limitBytes'), 'limitBytes');
  const follow = boolParam(q.get('follow'));
  const read =
    logs?.read(namespace, podName, container, {
      previous: boolParam(q.get('previous')),
      tailLines: intParam(q.get('tailLines'), 'tailLines'),
      sinceSeconds: intParam(q.get('sinceSeconds'), 'sinceSeconds'),
      timestamps: boolParam(q.get('timestamps')),
    }) ?? [];
  if (read instanceof ApiError) throw read;
  if (read instanceof Error) throw badRequest(read.message);
  let text = read.map(l => `${l}\n`).join('');
  if (limitBytes !== undefined && limitBytes >= 0) {
    text = Buffer.from(text).subarray(0, limitBytes).toString('utf8');
  }
  if (!follow || !logs) {
    sendText(res, 200, text);
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  if (text) res.write(text);
  const handle: { stop?: () => void } = {};
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    handle.stop?.();
    if (!res.writableEnded) res.end();
  };
  req.on('close', end);
  res.on('close', end);
  handle.stop = logs.follow(
    namespace,
    podName,
    container,
    line => {
      if (!done) res.write(`${line}\n`);
    },
    end,
  );
  if (done) handle.stop();
}
