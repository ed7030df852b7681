/** What every control-plane loop receives. */
import type { KubeObject } from '../../api/types';
import type { SimContext } from '../context';
import type { EventType } from '../events';
import { involvedObjectOf } from '../events';
import type { Informers } from './informers';
import { controllerRef, nameSuffix } from './util';

export interface Env {
  ctx: SimContext;
  inf: Informers;
  names: NameGenerator;
}

export interface Loop {
  stop(): void;
}

/** Deterministic `<prefix>-<5 chars>` names from a counter. */
export class NameGenerator {
  private counter = 0;

  next(prefix: string, exists: (name: string) => boolean): string {
    for (;;) {
      this.counter += 1;
      const name = `${prefix}-${nameSuffix(`${prefix}#${this.counter}`)}`;
      if (!exists(name)) return name;
    }
  }
}

export function recordEvent(
  env: Env,
  obj: KubeObject,
  type: EventType,
  reason: string,
  message: string,
  component: string,
  host?: string,
): void {
  env.ctx.events.record(involvedObjectOf(obj), type, reason, message, {
    component,
    ...(host ? { host } : {}),
  });
}

/** Pods whose controller is the object with `uid`. */
export function podsControlledBy(
  env: Env,
  uid: string | undefined,
): KubeObject[] {
  if (!uid) return [];
  return env.inf.pods.ownedBy(uid).filter(p => controllerRef(p)?.uid === uid);
}
