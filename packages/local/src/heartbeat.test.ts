import { mkdtemp, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Heartbeat } from "./heartbeat.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("the stack's heartbeat", () => {
  it("tells a start when the previous process was last alive, and keeps beating", async () => {
    dir = await mkdtemp(join(tmpdir(), "myriad-heartbeat-"));
    const file = join(dir, "heartbeat");
    const first = await Heartbeat.start(file, 20);
    expect(first.lastAliveAt).toBeUndefined();
    await first.heartbeat.stop();

    // The process died an hour ago (its last beat).
    const died = new Date(Date.now() - 3_600_000);
    await utimes(file, died, died);
    const second = await Heartbeat.start(file, 20);
    expect(second.lastAliveAt?.getTime()).toBe(died.getTime());
    const beat = (await stat(file)).mtimeMs;
    expect(beat).toBeGreaterThan(died.getTime() + 3_500_000);
    await new Promise((r) => setTimeout(r, 60));
    expect((await stat(file)).mtimeMs).toBeGreaterThan(beat);
    await second.heartbeat.stop();
  });
});
