/**
 * A domain error that knows its HTTP status and a stable machine-readable code. Handlers and the
 * API map it; anything else is an unexpected 500.
 */
export class MyriadError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "MyriadError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string) => new MyriadError(404, "not_found", `${what} not found`);
export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new MyriadError(400, code, message, details);
