import { Agent, request as httpRequest } from "node:http";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import { ENDPOINT_SECRET_HEADER } from "@myriad/model-server/endpoint-guard";

export interface ModelServerReply {
  status: number;
  /** The raw body; the caller parses it only when it needs to. */
  body: string;
}

/**
 * How the router talks to a model server speaking the multi-model contract: over HTTP to a
 * running server, or in process to the Hono app (tests). Only the calls the router makes.
 */
export interface ModelServerClient {
  request(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<ModelServerReply>;
  close(): void;
}

/** Anything with Hono's `fetch`: the model-server app itself. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

/** Calls the app directly, as `app.request` does: no port, no sockets. */
export function inProcessModelServerClient(app: FetchHandler, secret?: string): ModelServerClient {
  const auth: Record<string, string> = secret ? { [ENDPOINT_SECRET_HEADER]: secret } : {};
  return {
    async request(method, path, body, extra) {
      const headers = { ...extra, ...auth };
      const res = await app.fetch(
        new Request(`http://model-server${path}`, {
          method,
          body,
          headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        }),
      );
      return { status: res.status, body: await res.text() };
    },
    close() {},
  };
}

export interface HttpModelServerClientOptions {
  maxSockets?: number;
  /** The embedded endpoint's secret, sent with every request (see `startEmbeddedModelServer`). */
  secret?: string;
}

/**
 * HTTP/1.1 over keep-alive sockets with `node:http` rather than `fetch`: on loopback the
 * per-request cost of undici's fetch is a visible share of a warm invoke. A request that fails
 * because the server closed an idle reused socket is retried once, as Node's docs advise.
 */
export function httpModelServerClient(
  baseUrl: string,
  options: HttpModelServerClientOptions = {},
): ModelServerClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const auth: Record<string, string> = options.secret ? { [ENDPOINT_SECRET_HEADER]: options.secret } : {};
  const send = (method: string, path: string, body: string | undefined, extra?: Record<string, string>) =>
    new Promise<ModelServerReply & { reused: boolean }>((resolve, reject) => {
      const headers = { ...extra, ...auth };
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers:
            body === undefined
              ? headers
              : { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              reused: req.reusedSocket,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", (e) => reject(Object.assign(e, { reused: req.reusedSocket })));
      req.end(body);
    });
  return {
    async request(method, path, body, headers) {
      try {
        return await send(method, path, body, headers);
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { reused?: boolean };
        if (!(err.reused && err.code === "ECONNRESET")) throw unavailable(baseUrl, err);
        return send(method, path, body, headers).catch((again: Error) => {
          throw unavailable(baseUrl, again);
        });
      }
    },
    close() {
      agent.destroy();
    },
  };
}

const unavailable = (baseUrl: string, e: Error) =>
  new MyriadError(503, "endpoint_unavailable", `model server at ${baseUrl} is unreachable: ${e.message}`);

/** Builds the client from what the wiring has (a base URL, an app, or a ready client) and the secret. */
export function toModelServerClient(
  server: string | FetchHandler | ModelServerClient,
  secret?: string,
): ModelServerClient {
  if (typeof server === "string") return httpModelServerClient(server, { secret });
  if ("request" in server && "close" in server) return server as ModelServerClient;
  return inProcessModelServerClient(server as FetchHandler, secret);
}
