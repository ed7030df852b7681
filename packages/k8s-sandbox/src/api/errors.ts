import { Status, StatusCause, StatusDetails } from './types';

/** An API failure carrying the full `Status` the server answers with. */
export class ApiError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'Failure');
    this.name = 'ApiError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function failureStatus(
  code: number,
  reason: string,
  message: string,
  statusDetails?: StatusDetails,
): Status {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (statusDetails) status.details = statusDetails;
  return status;
}

export function successStatus(
  code = 200,
  statusDetails?: StatusDetails,
): Status {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code,
  };
  if (statusDetails) status.details = statusDetails;
  return status;
}

/** `deployments.apps` for a group, `pods` for the core group. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export interface ErrorTarget {
  group: string;
  /** Resource plural, e.g. `pods` (what `details.kind` carries for these). */
  resource: string;
  name?: string;
}

function details(target: ErrorTarget, causes?: StatusCause[]): StatusDetails {
  const d: StatusDetails = { group: target.group, kind: target.resource };
  if (target.name !== undefined) d.name = target.name;
  if (causes) d.causes = causes;
  return d;
}

export function notFound(target: ErrorTarget): ApiError {
  const qr = qualifiedResource(target.group, target.resource);
  return new ApiError(
    failureStatus(
      404,
      'NotFound',
      `${qr} "${target.name ?? ''}" not found`,
      details(target),
    ),
  );
}

export function alreadyExists(target: ErrorTarget): ApiError {
  const qr = qualifiedResource(target.group, target.resource);
  return new ApiError(
    failureStatus(
      409,
      'AlreadyExists',
      `${qr} "${target.name ?? ''}" already exists`,
      details(target),
    ),
  );
}

export function conflict(target: ErrorTarget, why?: string): ApiError {
  const qr = qualifiedResource(target.group, target.resource);
  const reason =
    why ??
    'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    failureStatus(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qr} "${
        target.name ?? ''
      }": ${reason}`,
      details(target),
    ),
  );
}

/** 422 Invalid; `kind` is the object kind, e.g. `Deployment`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): ApiError {
  const qk = group ? `${kind}.${group}` : kind;
  const text = causes
    .map(c => (c.field ? `${c.field}: ${c.message}` : c.message))
    .join(', ');
  const message =
    causes.length > 1
      ? `${qk} "${name}" is invalid: [${text}]`
      : `${qk} "${name}" is invalid: ${text}`;
  return new ApiError(
    failureStatus(422, 'Invalid', message, { name, group, kind, causes }),
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(failureStatus(400, 'BadRequest', message));
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(failureStatus(405, 'MethodNotAllowed', message));
}

export function unauthorized(): ApiError {
  return new ApiError(failureStatus(401, 'Unauthorized', 'Unauthorized'));
}

export function forbidden(message: string, target: ErrorTarget): ApiError {
  return new ApiError(
    failureStatus(403, 'Forbidden', message, details(target)),
  );
}

export function expired(message: string): ApiError {
  return new ApiError(failureStatus(410, 'Expired', message));
}

export function tooManyRequests(
  message: string,
  causes?: StatusCause[],
): ApiError {
  const d: StatusDetails | undefined = causes ? { causes } : undefined;
  return new ApiError(failureStatus(429, 'TooManyRequests', message, d));
}

export function internalError(message: string): ApiError {
  return new ApiError(failureStatus(500, 'InternalError', message));
}

/** Turns anything thrown into an ApiError (500 for non-API errors). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internalError(message);
}
