import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error body every route answers with: a stable `error` code and a readable message. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * `app.onError`: domain errors keep their status (400 validation, 404 unknown model, 409, 507);
 * only what nobody anticipated becomes a 500, whose message (it may quote a file or a path) goes
 * to the log rather than to the caller.
 */
export function errorResponse(err: Error, c: Context): Response {
  if (err instanceof MyriadError) {
    const body: ErrorBody = {
      error: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    };
    return c.json(body, err.status as ContentfulStatusCode);
  }
  if (err instanceof HTTPException) {
    return c.json({ error: "http_error", message: err.message }, err.status as ContentfulStatusCode);
  }
  return c.json({ error: "internal_error", message: "unexpected error; it has been logged" }, 500);
}

export const modelNotFound = (name: string) =>
  new MyriadError(404, "model_not_found", `model ${JSON.stringify(name)} is not loaded`);
