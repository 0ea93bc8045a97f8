/** Errors in Google's JSON error format, so gcloud prints its real messages for them. */
export type Reason =
  | 'alreadyExists'
  | 'notFound'
  | 'invalid'
  | 'required'
  | 'resourceInUseByAnotherResource'
  | 'conditionNotMet'
  | 'badRequest'
  | 'unsupportedOperation';

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  405: 'METHOD_NOT_ALLOWED',
};

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: this.reason }],
        ...(STATUS[this.code] ? { status: STATUS[this.code] } : {}),
      },
    };
  }
}

export const notFound = (path: string) => new ApiError(404, 'notFound', `The resource '${path}' was not found`);
export const alreadyExists = (path: string) => new ApiError(409, 'alreadyExists', `The resource '${path}' already exists`);
export const invalid = (message: string) => new ApiError(400, 'invalid', message);
/** `path` and `user` below the API root: `projects/p/regions/r/addresses/a`. */
export const inUse = (path: string, user: string) =>
  new ApiError(400, 'resourceInUseByAnotherResource', `The ${singular(path)} resource '${path}' is already being used by '${user}'`);

/** `addresses` → `address`, `healthChecks` → `health check`, as GCE's messages name kinds. */
function singular(path: string): string {
  const collection = path.split('/').at(-2) ?? 'resources';
  const word = collection.endsWith('sses') ? collection.slice(0, -2) : collection.replace(/s$/, '');
  return word.replace(/([A-Z])/g, ' $1').toLowerCase();
}
