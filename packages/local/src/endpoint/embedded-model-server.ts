import { randomBytes } from "node:crypto";
import { LOOPBACK_HOSTS } from "@myriad/model-server/endpoint-guard";
import { type RunningModelServer, startModelServer } from "@myriad/model-server/start-model-server";

export interface EmbeddedModelServer extends RunningModelServer {
  /** Sent by the router with every request; made at start, never written anywhere. */
  secret: string;
}

/**
 * The embedded stack's model endpoint: the SageMaker multi-model container's app, locked down
 * because here it shares the machine with other users and with web browsers. It listens on
 * 127.0.0.1 whatever `MYRIAD_HOST` says (only the API and console are meant to be shared),
 * answers only requests that carry this process's random secret and name a loopback `Host`
 * (DNS rebinding), and loads only files inside the router's download folder.
 */
export async function startEmbeddedModelServer(options: {
  port: number;
  /** The router's `cacheDir`: the only folder `POST /models` may read. */
  cacheDir: string;
}): Promise<EmbeddedModelServer> {
  const secret = randomBytes(32).toString("base64url");
  const server = await startModelServer({
    port: options.port,
    host: "127.0.0.1",
    secret,
    allowedHosts: LOOPBACK_HOSTS,
    modelRoot: options.cacheDir,
  });
  return { ...server, secret };
}
