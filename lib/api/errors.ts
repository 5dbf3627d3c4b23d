// One error class, one closed enum of codes, one mapper to the envelope (house rule 3).
export const ERROR_CODES = {
  invalid_json: 400,
  invalid_multipart: 400,
  invalid_cursor: 400,
  authentication_required: 401,
  authentication_invalid_api_key: 401,
  authentication_revoked_api_key: 401,
  download_token_invalid: 401,
  download_token_expired: 401,
  authorization_insufficient_scope: 403,
  download_token_mismatch: 403,
  validation_error: 422,
  endpoint_not_allowed: 422,
  invalid_credentials_file: 422,
  connector_scope_missing: 422,
  not_found: 404,
  index_not_found: 404,
  api_key_not_found: 404,
  connector_not_found: 404,
  video_not_found: 404,
  import_job_not_found: 404,
  automation_not_found: 404,
  prompt_not_found: 404,
  prompt_run_not_found: 404,
  export_not_found: 404,
  webhook_not_found: 404,
  delivery_not_found: 404,
  idempotency_request_mismatch: 409,
  idempotency_in_progress: 409,
  connector_in_use: 409,
  connector_disabled: 409,
  invalid_state_transition: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  storage_provider_error: 502,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type FieldError = { field: string; message: string };

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }

  static validation(fields: FieldError[], message = "The request body is invalid."): ApiError {
    return new ApiError("validation_error", message, { fields });
  }

  static notFound(code: ErrorCode, what: string, id: string): ApiError {
    return new ApiError(code, `No ${what} ${id} in this workspace.`);
  }
}

export function errorBody(err: ApiError, requestId: string) {
  return {
    error: {
      code: err.code,
      message: err.message,
      details: err.details,
      request_id: requestId,
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
  };
}

/** Anything that is not an ApiError becomes a generic 500: no stack, no SQL, no provider detail. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // The customer's storage answered with an error (lib/providers/errors.ts StorageError): a 502 that
  // says what kind, never the provider's raw message (it may quote request details).
  if (err instanceof Error && err.name === "StorageError") {
    const e = err as Error & { code?: string; retryable?: boolean };
    return new ApiError("storage_provider_error", `The storage provider answered with an error (${e.code ?? "unknown"}).`, {
      provider_error_code: e.code ?? "unknown",
      retryable: !!e.retryable,
    });
  }
  return new ApiError("internal_error", "An internal error occurred. Quote the request id when reporting it.");
}
