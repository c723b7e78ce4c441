import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run as onUpload } from "@myriad/functions/on-upload";
import { objectCreatedEvent } from "@myriad/local/bucket-watcher";
import { DIALECTS } from "../support/databases.ts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import {
  allRuns,
  customerSeries,
  hour,
  idleWithin,
  runCount,
  shutdownWithin,
} from "../bad-inputs/pipeline-outputs.ts";

const HEADER = "customer_id,timestamp,consumption\n";
const FILES = 10;
const CUSTOMERS = ["c0", "c1", "c2", "c3", "c4"];
/** The hour every file also writes for customer `shared`: the upload executed last must win it. */
const SHARED_HOUR = 24 * 40;

/** Upload `i` of the concurrent batch: day `i` for every customer, plus the shared hour. */
function batchFile(i: number): string {
  let csv = HEADER;
  for (const [k, id] of CUSTOMERS.entries()) {
    for (let h = 0; h < 24; h++) csv += `${id},${at(24 * i + h)},${1000 * k + 24 * i + h}\n`;
  }
  csv += `shared,${at(24 * i)},${i}\nshared,${at(SHARED_HOUR)},${500 + i}\n`;
  return csv;
}

/** `YYYY-MM-DD HH:MM:SS` of `n` hours after 2025-01-01. */
function at(n: number): string {
  return hour(n).slice(0, 19).replace("T", " ");
}

for (const dialect of DIALECTS)
  describe(`duplicate and concurrent upload events on ${dialect}`, () => {
    let stack: TestStack;

    beforeAll(async () => {
      stack = await startTestStack(dialect);
    });
    afterAll(() => shutdownWithin(stack));

    it("starts one run when the same S3 event is delivered twice, at once or later", async () => {
      const folder = join(stack.ports.bucketDir, "raw", "dup");
      await mkdir(folder, { recursive: true });
      const path = join(folder, "readings.csv");
      await writeFile(path, HEADER + CUSTOMERS.map((id) => `${id},${at(0)},1\n${id},${at(1)},2\n`).join(""));
      // Delivered before the watcher reports the file (it waits 300 ms for the size to settle).
      const event = await objectCreatedEvent(stack.ports.bucketDir, path);
      const twice = await Promise.all([onUpload(event, stack.ports), onUpload(event, stack.ports)]);
      const again = await onUpload(event, stack.ports);
      const outcomes = [...twice, again].map((o) => o.uploads[0]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(["duplicate", "duplicate", "started"]);
      const runId = outcomes[0].status === "ignored" ? undefined : outcomes[0].runId;
      expect(outcomes.every((o) => o.status !== "ignored" && o.runId === runId)).toBe(true);

      // The watcher delivers the same object a third time; still one run, each state run once.
      await new Promise((r) => setTimeout(r, 1500));
      await idleWithin(stack, 60_000);
      const runs = (await allRuns(stack)).filter((r) => r.dataset === "dup");
      expect(runs.map((r) => [r.runId, r.status])).toEqual([[runId, "SUCCEEDED"]]);
      expect(runs[0].states.map((s) => s.name)).toEqual([
        "Preprocess",
        "Train",
        "Register",
        "Publish",
        "Warm",
      ]);
      const model = (await (await stack.api("/v1/datasets/dup/customers/c0/model")).json()) as {
        versions: unknown[];
      };
      expect(model.versions).toHaveLength(1);
    });

    it("starts no run for identical bytes uploaded again under the same key, and one for new bytes", async () => {
      const path = join(stack.ports.bucketDir, "raw", "dup", "readings.csv");
      const before = await runCount(stack, "dup");
      const bytes = HEADER + CUSTOMERS.map((id) => `${id},${at(0)},1\n${id},${at(1)},2\n`).join("");
      await writeFile(path, bytes);
      const again = await onUpload(await objectCreatedEvent(stack.ports.bucketDir, path), stack.ports);
      expect(again.uploads[0].status).toBe("duplicate");
      await new Promise((r) => setTimeout(r, 1500));
      await idleWithin(stack, 60_000);
      expect(await runCount(stack, "dup")).toBe(before);

      await writeFile(path, `${bytes}c0,${at(2)},3\n`);
      await waitFor(async () => ((await runCount(stack, "dup")) === before + 1 ? true : undefined), 20_000);
      await idleWithin(stack, 60_000);
      expect(await customerSeries(stack, "dup", "c0")).toEqual([
        [hour(0), 1],
        [hour(1), 2],
        [hour(2), 3],
      ]);
    });

    it("processes ten concurrent uploads to one dataset one at a time, in upload order, losing nothing", async () => {
      const folder = join(stack.ports.bucketDir, "raw", "conc");
      await mkdir(folder, { recursive: true });
      const start = vi.spyOn(stack.ports.runner, "start");
      await Promise.all(
        Array.from({ length: FILES }, (_, i) =>
          writeFile(join(folder, `part-${String(i).padStart(2, "0")}.csv`), batchFile(i)),
        ),
      );
      await waitFor(async () => ((await runCount(stack, "conc")) === FILES ? true : undefined), 30_000);
      await idleWithin(stack, 60_000);

      const runs = (await allRuns(stack)).filter((r) => r.dataset === "conc");
      expect(runs.map((r) => r.status)).toEqual(Array(FILES).fill("SUCCEEDED"));
      // Upload order is the order on-upload handed the runs to the runner (the database clock
      // cannot tell: concurrent inserts commit in another order than their timestamps).
      const handed = start.mock.calls
        .map(([input]) => input.runId)
        .filter((id) => runs.some((r) => r.runId === id));
      const ordered = [...runs].sort(
        (a, b) => Date.parse(a.states[0].startedAt) - Date.parse(b.states[0].startedAt),
      );
      start.mockRestore();
      expect(ordered.map((r) => r.runId)).toEqual(handed);
      // They were concurrent: all ten were queued before the first one ended.
      const lastQueued = Math.max(...runs.map((r) => Date.parse(r.startedAt)));
      expect(lastQueued).toBeLessThan(Date.parse(ordered[0].stoppedAt ?? ""));
      // One at a time: each run starts after the previous one has ended.
      for (let k = 1; k < ordered.length; k++) {
        const previousEnd = Date.parse(ordered[k - 1].stoppedAt ?? "");
        expect(Date.parse(ordered[k].states[0].startedAt)).toBeGreaterThanOrEqual(previousEnd);
      }

      // Every hour of every upload is there once, with its own value (not lost, not summed).
      for (const [k, id] of CUSTOMERS.entries()) {
        const series = await customerSeries(stack, "conc", id);
        expect(series, id).toEqual(
          Array.from({ length: 24 * FILES }, (_, n) => [hour(n), 1000 * k + n] as [string, number]),
        );
      }
      const last = Number(/part-(\d+)\.csv$/.exec(ordered.at(-1)?.input.key ?? "")?.[1]);
      expect(await customerSeries(stack, "conc", "shared")).toEqual([
        ...Array.from({ length: FILES }, (_, i) => [hour(24 * i), i] as [string, number]),
        [hour(SHARED_HOUR), 500 + last],
      ]);
      // The active model is the one trained by the upload executed last.
      const model = (await (await stack.api("/v1/datasets/conc/customers/c3/model")).json()) as {
        model: { version: string };
        versions: unknown[];
      };
      expect(model.versions).toHaveLength(FILES);
      expect(model.model.version.endsWith(`-${ordered.at(-1)?.runId.slice(4, 12)}`)).toBe(true);
    });
  });
