/** An `application/problem+json` answer from the API, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export type Query = Record<string, string | number | undefined | null>;

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/**
 * A client that sends the key on every request. The console is served by the API server, so
 * paths stay relative (`/v1/...`) and no CORS is involved.
 */
export function createApiClient(key: string, base = ""): ApiClient {
  async function request<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
    }
    const url = `${base}${path}${params.size > 0 ? `?${params}` : ""}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, "network_error", `the API did not answer (${(e as Error).message})`);
    }
    const text = await response.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const problem = (parsed ?? {}) as { code?: string; detail?: string };
      throw new ApiError(
        response.status,
        problem.code ?? "http_error",
        problem.detail ?? `${method} ${path} answered ${response.status}`,
      );
    }
    return parsed as T;
  }
  return {
    get: (path, query) => request("GET", path, query),
    post: (path, body) => request("POST", path, undefined, body),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Path segments are identifiers, but encode them anyway so a stray character cannot change the route. */
export const seg = (value: string) => encodeURIComponent(value);
