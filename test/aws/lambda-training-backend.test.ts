import { unpackArtifact } from "@myriad/core/artifact/archive";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import { LambdaTrainingBackend } from "@myriad/functions/aws/lambda-training-backend";
import { describe, expect, it } from "vitest";
import { hourlyCsv, jobsFor } from "./fixtures.ts";

describe("LambdaTrainingBackend", () => {
  it("trains each customer in process, writes one artifact each, and fails customers alone", async () => {
    const store = new MemoryObjectStore(4096);
    const jobs = jobsFor("sales", ["c1", "c2", "c3"]);
    await store.put(jobs[0].dataKey, hourlyCsv(14));
    await store.put(jobs[2].dataKey, hourlyCsv(14, 20));
    const progress: number[] = [];
    const results = await new LambdaTrainingBackend(store, 2).train(jobs, (done) => progress.push(done));
    expect(results.map((r) => [r.customerId, r.ok])).toEqual([
      ["c1", true],
      ["c2", false],
      ["c3", true],
    ]);
    expect(results[1]).toMatchObject({ ok: false, error: expect.stringContaining("no series") });
    expect(progress).toEqual([1, 2, 3]);
    for (const job of [jobs[0], jobs[2]]) {
      const artifact = await unpackArtifact((await store.get(job.modelKey))!);
      expect(artifact).toMatchObject({ customerId: job.customerId, version: job.version, frequency: "H" });
    }
    expect(await store.get(jobs[1].modelKey)).toBeUndefined();
  });
});
