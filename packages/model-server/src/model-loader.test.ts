import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { packArtifact } from "@myriad/core/artifact/archive";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileModelLoader, gzipUncompressedSize, parseModelJson } from "./model-loader.ts";
import { trainTestArtifact } from "./testing/test-artifacts.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "loader-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("fileModelLoader", () => {
  it("charges an archive its uncompressed size, read from the gzip trailer", async () => {
    const artifact = trainTestArtifact();
    const bytes = await packArtifact(artifact);
    expect(gzipUncompressedSize(bytes)).toBe(gunzipSync(bytes).length);
    await writeFile(join(dir, "m.tar.gz"), bytes);
    const loaded = await fileModelLoader().load(join(dir, "m.tar.gz"));
    expect(loaded.artifact).toEqual(JSON.parse(JSON.stringify(artifact)));
    expect(loaded.sizeBytes).toBeGreaterThan(JSON.stringify(artifact).length);
  });

  it("rejects a directory with two archives instead of guessing", async () => {
    const both = join(dir, "two");
    await mkdir(both);
    const bytes = await packArtifact(trainTestArtifact());
    await writeFile(join(both, "a.tar.gz"), bytes);
    await writeFile(join(both, "b.tar.gz"), bytes);
    await expect(fileModelLoader().load(both)).rejects.toMatchObject({
      status: 400,
      code: "invalid_model_url",
    });
  });

  it("rejects a model.json of another format", () => {
    expect(() => parseModelJson('{"format":"other/1"}')).toThrow(/unsupported model format/);
    expect(() => parseModelJson("{")).toThrow(/not JSON/);
  });
});
