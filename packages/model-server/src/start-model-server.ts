import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, RequestError } from "@hono/node-server";
import type { Hono } from "hono";
import type { ErrorBody } from "./error-response.ts";
import { createModelServerApp, type ModelServerAppOptions } from "./model-server-app.ts";

export interface StartModelServerOptions extends ModelServerAppOptions {
  /** 0 picks a free port (tests, benchmarks). */
  port: number;
  /** Default 127.0.0.1; the container binds 0.0.0.0. */
  host?: string;
}

export interface RunningModelServer {
  app: Hono;
  port: number;
  /** `http://<host>:<port>`, for the router's HTTP client. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the model-server app on Node's HTTP server. Keep-alive outlasts the router's idle
 * sockets (65 s against Node's default 5 s) so a reused connection is not closed under it. A
 * request Node parses but no URL can hold (a bad `Host`, a backslash in the path) gets a JSON 400
 * rather than an empty one.
 */
export function startModelServer(options: StartModelServerOptions): Promise<RunningModelServer> {
  const app = createModelServerApp(options);
  const host = options.host ?? "127.0.0.1";
  const listener = getRequestListener(app.fetch, {
    hostname: host,
    errorHandler: (e) => {
      if (e instanceof RequestError) {
        const body: ErrorBody = {
          error: "bad_request",
          message: "the request line or Host header is malformed",
        };
        return Response.json(body, { status: 400 });
      }
      console.error(e);
      const body: ErrorBody = { error: "internal_error", message: "unexpected error; it has been logged" };
      return Response.json(body, { status: 500 });
    },
  });
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, listener);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      const info = server.address() as AddressInfo;
      const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
      resolve({
        app,
        port: info.port,
        url: `http://${urlHost}:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((e) => (e ? fail(e) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
