import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
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
 * Serves the model-server app with `@hono/node-server`. Keep-alive outlasts the router's idle
 * sockets (65 s against Node's default 5 s) so a reused connection is not closed under it.
 */
export function startModelServer(options: StartModelServerOptions): Promise<RunningModelServer> {
  const app = createModelServerApp(options);
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: host }, (info: AddressInfo) => {
      const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
      resolve({
        app,
        port: info.port,
        url: `http://${urlHost}:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((e) => (e ? fail(e) : done()));
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
    if ("keepAliveTimeout" in server) {
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
    }
    server.once("error", reject);
  });
}
