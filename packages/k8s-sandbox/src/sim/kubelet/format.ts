/**
 * Small formatting helpers shared by the simulated kubelet: Go duration
 * strings, quantities, deterministic ids and Kubernetes time formats.
 */

/** Loosely typed Kubernetes JSON (pod specs, statuses). */
export type Obj = Record<string, any>;

/** Formats ms like Go's time.Duration.String(): `10s`, `1m20s`, `5m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) {
    return `${ms}ms`;
  }
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Number((totalSeconds % 60).toFixed(3));
  if (hours > 0) {
    return `${hours}h${minutes}m${seconds}s`;
  }
  if (minutes > 0) {
    return `${minutes}m${seconds}s`;
  }
  return `${seconds}s`;
}

/** RFC 3339 with seconds, as Kubernetes writes status times. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with nanoseconds, as `kubectl logs --timestamps` prints. */
export function isoNanos(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** 32-bit FNV-1a hash of a string. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A deterministic lowercase hex string of `length` characters. */
export function hexId(text: string, length = 64): string {
  let out = '';
  let seed = 0x811c9dc5;
  while (out.length < length) {
    seed = fnv1a(text, seed ^ out.length);
    out += seed.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

/** A binary memory quantity the way metrics-server writes it (`Ki`). */
export function formatKi(bytes: number): string {
  return `${Math.round(bytes / 1024)}Ki`;
}

/** A CPU quantity as metrics-server writes it (nanocores). */
export function formatNanoCores(cores: number): string {
  return `${Math.round(cores * 1e9)}n`;
}

/** A memory quantity in the largest binary unit that is readable. */
export function formatMemory(bytes: number): string {
  const units: Array<[string, number]> = [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  for (const [suffix, size] of units) {
    if (bytes >= size) {
      return `${Math.round(bytes / size)}${suffix}`;
    }
  }
  return `${Math.round(bytes)}`;
}

/** `name_namespace(uid)`, as the kubelet formats pods in messages. */
export function formatPod(pod: Obj): string {
  const meta = pod.metadata ?? {};
  return `${meta.name}_${meta.namespace}(${meta.uid})`;
}

/** The image reference as containerd resolves it (`docker.io/library/x`). */
export function normalizeImage(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasRegistry =
    first.includes('.') || first.includes(':') || first === 'localhost';
  if (hasRegistry) {
    return image;
  }
  return slash < 0 ? `docker.io/library/${image}` : `docker.io/${image}`;
}

/** The image reference without its tag or digest. */
export function imageRepository(image: string): string {
  const normalized = normalizeImage(image).split('@')[0];
  const lastSlash = normalized.lastIndexOf('/');
  const colon = normalized.lastIndexOf(':');
  return colon > lastSlash ? normalized.slice(0, colon) : normalized;
}

/** `repo@sha256:...`, the imageID a container status carries. */
export function imageIdOf(image: string): string {
  return `${imageRepository(image)}@sha256:${hexId(`image:${image}`)}`;
}

/** The executable name a process of this container runs as. */
export function processName(container: Obj): string {
  const command: unknown = container.command?.[0];
  if (typeof command === 'string' && command) {
    return command.split('/').pop() ?? command;
  }
  const repo = imageRepository(String(container.image ?? 'app'));
  return (repo.split('/').pop() ?? 'app').slice(0, 15);
}
