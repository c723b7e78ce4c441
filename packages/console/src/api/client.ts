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
  /** A file the API sends as an attachment, with the name it gives it. */
  download(path: string): Promise<{ blob: Blob; filename: string | undefined }>;
}

/**
 * A client that sends the key on every request. The console is served by the API server, so
 * paths stay relative (`/v1/...`) and no CORS is involved.
 */
export function createApiClient(key: string, base = ""): ApiClient {
  async function send(method: string, path: string, query?: Query, body?: unknown): Promise<Response> {
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
    if (!response.ok) {
      const text = await response.text();
      const problem = ((text ? safeJson(text) : undefined) ?? {}) as { code?: string; detail?: string };
      throw new ApiError(
        response.status,
        problem.code ?? "http_error",
        problem.detail ?? `${method} ${path} answered ${response.status}`,
      );
    }
    return response;
  }
  async function request<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    const text = await (await send(method, path, query, body)).text();
    return (text ? safeJson(text) : undefined) as T;
  }
  return {
    get: (path, query) => request("GET", path, query),
    post: (path, body) => request("POST", path, undefined, body),
    async download(path) {
      const response = await send("GET", path);
      const disposition = response.headers.get("content-disposition") ?? "";
      return { blob: await response.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] };
    },
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
