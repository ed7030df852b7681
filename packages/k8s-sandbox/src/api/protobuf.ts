/**
 * Just enough of Kubernetes' protobuf encoding to read the few bodies kubectl
 * sends that way (SelfSubjectAccessReview for `kubectl auth can-i`).
 */
type Fields = Map<number, Array<Buffer | number>>;

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function varint(buf: Buffer, start: number): [number, number] {
  let pos = start;
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [result, pos];
    shift += 7;
  }
}

/** Decodes one message level: field number -> values (bytes or numbers). */
export function decodeFields(buf: Buffer): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = varint(buf, pos);
    pos = p1;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: Buffer | number;
    if (wire === 0) {
      [value, pos] = varint(buf, pos);
    } else if (wire === 2) {
      const [n, p2] = varint(buf, pos);
      value = buf.subarray(p2, p2 + n);
      pos = p2 + n;
    } else if (wire === 1) {
      value = buf.subarray(pos, pos + 8);
      pos += 8;
    } else if (wire === 5) {
      value = buf.subarray(pos, pos + 4);
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
    const list = fields.get(field) ?? [];
    list.push(value);
    fields.set(field, list);
  }
  return fields;
}

export function isKubeProtobuf(body: Buffer): boolean {
  return body.subarray(0, 4).equals(MAGIC);
}

function str(f: Fields, n: number): string | undefined {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}

function msg(f: Fields, n: number): Fields {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? decodeFields(v) : new Map();
}

/** The `runtime.Unknown` envelope: apiVersion, kind and the raw message. */
export function unwrap(body: Buffer): {
  apiVersion?: string;
  kind?: string;
  raw: Fields;
} {
  const unknown = decodeFields(body.subarray(4));
  const typeMeta = msg(unknown, 1);
  return {
    apiVersion: str(typeMeta, 1),
    kind: str(typeMeta, 2),
    raw: msg(unknown, 2),
  };
}

/** A SelfSubjectAccessReview as JSON. */
export function decodeSelfSubjectAccessReview(
  body: Buffer,
): Record<string, unknown> {
  const { raw } = unwrap(body);
  const spec = msg(raw, 2);
  const ra = msg(spec, 1);
  const nra = msg(spec, 2);
  const resourceAttributes = {
    namespace: str(ra, 1),
    verb: str(ra, 2),
    group: str(ra, 3),
    version: str(ra, 4),
    resource: str(ra, 5),
    subresource: str(ra, 6),
    name: str(ra, 7),
  };
  const out: Record<string, any> = { spec: {} };
  if (ra.size > 0) out.spec.resourceAttributes = resourceAttributes;
  if (nra.size > 0) {
    out.spec.nonResourceAttributes = { path: str(nra, 1), verb: str(nra, 2) };
  }
  return out;
}
