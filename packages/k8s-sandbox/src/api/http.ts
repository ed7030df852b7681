/** Small helpers over Node's http module: bodies, JSON answers, caching. */
import { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, failureStatus, toApiError } from './errors';
import { KubeObject } from './types';

const MAX_BODY = 16 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return readRawBody(req).then(b => b.toString('utf8'));
}

export function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(
          new ApiError(
            failureStatus(413, 'RequestEntityTooLarge', 'request is too large'),
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJsonBody(text: string, yaml = false): unknown {
  if (!text.trim()) throw badRequest('the request body is empty');
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw badRequest(
      `couldn't get version/kind; json parse error: ${why.split('\n')[0]}`,
    );
  }
}

/** JSON of frozen objects, computed once per object. */
export class JsonCache {
  private readonly cache = new WeakMap<object, string>();

  of(obj: KubeObject): string {
    if (!Object.isFrozen(obj)) return JSON.stringify(obj);
    let s = this.cache.get(obj);
    if (s === undefined) {
      s = JSON.stringify(obj);
      this.cache.set(obj, s);
    }
    return s;
  }
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  raw = false,
): void {
  const text = raw ? (body as string) : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status.code, e.status);
}

export function sendText(
  res: ServerResponse,
  code: number,
  text: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function intParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name}: ${v}`);
  return n;
}
