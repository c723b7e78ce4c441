import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { PIPELINE_STATES } from "@myriad/core/pipeline/state-machine";
import { type StackProcess, startStackProcess } from "../support/process-stack.ts";
import { waitFor } from "../support/stack.ts";

interface RunDetail {
  runId: string;
  status: string;
  error: string | null;
  cause: string | null;
  redriveCount: number;
  startedAt: string;
  stoppedAt: string | null;
  durationMs: number | null;
  pausedMs: number;
  states: { name: string; status: string }[];
}

/** An ended run lists no RUNNING state; its duration leaves out the time it stood ended. */
function assertEnded(run: RunDetail) {
  expect(run.states.filter((s) => s.status === "RUNNING")).toEqual([]);
  expect(run.durationMs).toBe(Date.parse(run.stoppedAt ?? "") - Date.parse(run.startedAt) - run.pausedMs);
}

const CUSTOMERS = 6;
let dirs: string[] = [];
let procs: StackProcess[] = [];

afterEach(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
  procs = [];
});

async function start(dataDir: string, env: Record<string, string> = {}) {
  const p = await startStackProcess(dataDir, env);
  procs.push(p);
  return p;
}

async function run(p: StackProcess): Promise<RunDetail> {
  const { runs } = (await (await p.api("/v1/runs")).json()) as { runs: { runId: string }[] };
  return (await (await p.api(`/v1/runs/${runs[0].runId}`)).json()) as RunDetail;
}

/** Every active model's artifact exists, and every customer has either a whole forecast or none. */
async function assertConsistent(p: StackProcess, dataDir: string) {
  const { customers } = (await (await p.api("/v1/datasets/default/customers")).json()) as {
    customers: { customerId: string; model: { version: string } | null }[];
  };
  for (const c of customers) {
    const res = await p.api(`/v1/datasets/default/customers/${c.customerId}/forecast`);
    if (!c.model) {
      expect(res.status).toBe(404);
      continue;
    }
    const body = (await res.json()) as { points: unknown[]; model: { version: string } };
    expect(body.model.version).toBe(c.model.version);
    expect(body.points).toHaveLength(168);
    await readFile(join(dataDir, "bucket", "models", "default", c.customerId, `${c.model.version}.tar.gz`));
  }
}

describe("the embedded stack killed in the middle of a run", () => {
  for (const state of PIPELINE_STATES) {
    it(`recovers from SIGKILL during ${state}: marked FAILED, consistent, redriven to SUCCEEDED`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "myriad-crash-"));
      dirs.push(dataDir);
      const first = await start(dataDir, { MYRIAD_FAULT_STATE_DELAY: `${state}=60000` });
      const csv = [
        ...generateRows({ customers: CUSTOMERS, days: 14, seed: 3, start: new Date("2026-02-02T00:00:00Z") }),
      ].join("");
      await writeFile(join(dataDir, "bucket", "raw", "readings.csv"), csv);
      await waitFor(async () => {
        const r = await run(first).catch(() => undefined);
        return r?.states.find((s) => s.name === state && s.status === "RUNNING");
      }, 60_000);
      first.child.kill("SIGKILL");
      expect(await first.exited).toBe("SIGKILL");

      const second = await start(dataDir);
      const failed = await run(second);
      expect(failed.status).toBe("FAILED");
      expect(failed.error).toBe("Interrupted");
      expect(failed.cause).toContain(`during ${state}`);
      expect(failed.states.find((s) => s.name === state)?.status).toBe("FAILED");
      assertEnded(failed);
      await assertConsistent(second, dataDir);

      const redrive = await second.api(`/v1/runs/${failed.runId}/redrive`, { body: {} });
      expect(redrive.status).toBe(202);
      expect(((await redrive.json()) as { startAt: string }).startAt).toBe(state);
      const done = await waitFor(async () => {
        const r = await run(second).catch((e) => {
          throw new Error(`${e.message}; stack output:\n${second.output()}`);
        });
        return r.status === "RUNNING" ? undefined : r;
      }, 90_000);
      expect(done.status, second.output()).toBe("SUCCEEDED");
      expect(done.redriveCount).toBe(1);
      assertEnded(done);
      // The restart took the stack's start, at least: not run time.
      expect(done.pausedMs).toBeGreaterThan(0);
      await assertConsistent(second, dataDir);
      const { customers } = (await (await second.api("/v1/datasets/default/customers")).json()) as {
        customers: { model: unknown }[];
      };
      expect(customers).toHaveLength(CUSTOMERS);
      expect(customers.every((c) => c.model !== null)).toBe(true);
      // A second redrive of a SUCCEEDED run is refused.
      expect((await second.api(`/v1/runs/${failed.runId}/redrive`, { body: {} })).status).toBe(409);
    });
  }

  it("shuts down cleanly on SIGTERM: the run is ABORTED and can be redriven", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "myriad-term-"));
    dirs.push(dataDir);
    const first = await start(dataDir, { MYRIAD_FAULT_STATE_DELAY: "Train=60000" });
    const csv = [
      ...generateRows({ customers: CUSTOMERS, days: 14, seed: 4, start: new Date("2026-02-02T00:00:00Z") }),
    ].join("");
    await writeFile(join(dataDir, "bucket", "raw", "readings.csv"), csv);
    await waitFor(
      async () => (await run(first).catch(() => undefined))?.states.find((s) => s.name === "Train"),
      60_000,
    );
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain("SIGTERM: stopping");

    const second = await start(dataDir);
    const aborted = await run(second);
    expect(aborted.status).toBe("ABORTED");
    // Train's handler was still in its delay when the stack stopped: its attempt ends Aborted.
    expect(aborted.states.find((s) => s.name === "Train")).toMatchObject({ status: "FAILED" });
    assertEnded(aborted);
    expect((await second.api(`/v1/runs/${aborted.runId}/redrive`, { body: {} })).status).toBe(202);
    const done = await waitFor(async () => {
      const r = await run(second);
      return r.status === "RUNNING" ? undefined : r;
    }, 90_000);
    expect(done.status).toBe("SUCCEEDED");
  });
});
