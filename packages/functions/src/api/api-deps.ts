import type { Ports } from "@myriad/core/ports/ports";

/** What the HTTP API uses: the ports, nothing runtime-specific. */
export type ApiDeps = Pick<Ports, "db" | "store" | "endpoint" | "uploads" | "runner">;
