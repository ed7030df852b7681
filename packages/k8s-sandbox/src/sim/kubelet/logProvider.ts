/** `pods/{name}/log` over the kubelets' container logs. */
import type { LogProvider, LogReadOptions } from '../../api/types';
import type { ContainerRuntime } from './container';
import type { PodRuntime } from './pod';

export interface LogSource {
  readonly pods: Map<string, PodRuntime>;
  now(): number;
}

function find(
  source: LogSource,
  namespace: string,
  pod: string,
  container: string,
): ContainerRuntime | string {
  const runtime = source.pods.get(`${namespace}/${pod}`);
  const c = runtime?.allContainers.find(x => x.name === container);
  if (!c) {
    return `container "${container}" in pod "${pod}" is not available`;
  }
  return c;
}

export function createLogProvider(source: LogSource): LogProvider {
  return {
    read(namespace, pod, container, options: LogReadOptions) {
      const c = find(source, namespace, pod, container);
      if (typeof c === 'string') {
        return new Error(c);
      }
      const log = c.logFor(options.previous);
      if (typeof log === 'string') {
        return new Error(log);
      }
      return log.read(source.now(), options);
    },
    follow(namespace, pod, container, onLine, onEnd) {
      const c = find(source, namespace, pod, container);
      const log = typeof c === 'string' ? undefined : c.logFor(false);
      if (!log || typeof log === 'string') {
        onEnd?.();
        return () => {};
      }
      return log.follow({ onLine, onEnd });
    },
  };
}
