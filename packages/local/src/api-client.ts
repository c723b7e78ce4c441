import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { configFromEnv } from "./env.ts";

/**
 * The CLI's way into the running stack. Commands that need the database go through the API:
 * PGlite admits one process, and the API applies the same rules as for any client.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly key: string,
  ) {}

  static async fromEnv(): Promise<ApiClient> {
    const config = configFromEnv();
    const key = (await readFile(join(config.dataDir, "admin-key"), "utf8").catch(() => "")).trim();
    if (!key) throw new Error(`no admin key in ${config.dataDir}; is the stack started (npm start)?`);
    return new ApiClient(`http://${config.host}:${config.port}`, key);
  }

  get<T>(path: string): Promise<T> {
    return this.#call<T>("GET", path);
  }

  /** GET, with undefined for 404 (a run not created yet, a customer without a model). */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.#call<T>("GET", path);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#call<T>("POST", path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.#call<T>("DELETE", path);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new Error(`cannot reach ${this.baseUrl}; start the stack with \`npm start\``);
    }
    const json = (await res.json().catch(() => ({}))) as T & { detail?: string };
    if (!res.ok) throw new ApiError(`${method} ${path}: ${res.status} ${json.detail ?? ""}`, res.status);
    return json;
  }
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
