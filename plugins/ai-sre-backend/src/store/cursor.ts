import { InputError } from '@backstage/errors';

/**
 * Keyset pagination cursors: opaque to clients, the sort key (a time in
 * epoch ms and an id) of the last row a page returned.
 */
export function encodeCursor(time: number, id: string): string {
  return Buffer.from(JSON.stringify([time, id]), 'utf8').toString('base64url');
}

/** The sort key of a cursor; an InputError (400) when it is not one of ours. */
export function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new InputError(`Invalid cursor "${cursor}"`);
}
