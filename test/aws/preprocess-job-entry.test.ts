import { generateRows } from "@myriad/core/ingest/generate";
import { InProcessPreprocessor } from "@myriad/core/ingest/in-process-preprocessor";
import type { PreprocessJobRequest } from "@myriad/core/ingest/preprocess-job";
import type { RunInput } from "@myriad/core/ports/pipeline-runner";
import { PREPROCESS_COMMAND, processingKeys } from "@myriad/functions/aws/sagemaker-processing-preprocessor";
import { FolderObjectStore } from "@myriad/local/adapters/folder-object-store";
import { runPreprocessContainer } from "@myriad/model-server/training/preprocess-job";
import { IgnoreStrategy } from "aws-cdk-lib";
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { IMAGE_CONTEXT_EXCLUDE } from "../../stacks/images.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

const NOW = "2025-06-01T00:00:00.000Z";
const JOB = "myriad-pre-sales-0123456789ab";
/** Three customers' readings, one unusable row and one from the future: quarantine is written too. */
const CSV = `${[...generateRows({ customers: 3, days: 4, start: new Date("2025-01-01"), seed: 7 })].join("")}2,yesterday,1\n1,2031-01-01T00:00:00Z,5\n`;

/** A bucket folder holding the upload, and (for the job) the request the Lambda wrote. */
async function bucketWith(withRequest: boolean, body = CSV) {
  const root = tempDir("bucket-");
  const store = new FolderObjectStore(join(root, "bucket"), join(root, "tmp"));
  const info = await store.put("raw/sales/meters.csv", body);
  const input: RunInput = {
    runId: "run-1",
    dataset: "sales",
    bucket: "b",
    key: info.key,
    size: info.size,
    etag: info.etag,
  };
  const keys = processingKeys(input, JOB);
  if (withRequest)
    await store.put(keys.request, JSON.stringify({ input, now: NOW } satisfies PreprocessJobRequest));
  return { root, store, input, keys };
}

/** Every object under the bucket folder but `runs/` (the job's own request and outcome). */
function objects(store: FolderObjectStore): Record<string, string> {
  const files = readdirSync(store.root, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  return Object.fromEntries(
    files
      .map((f) => relative(store.root, join(f.parentPath, f.name)).split("\\").join("/"))
      .filter((key) => !key.startsWith("runs/"))
      .sort()
      .map((key) => [key, readFileSync(join(store.root, key), "utf8")]),
  );
}

const env = (keys: { request: string; outcome: string }) => ({
  MYRIAD_BUCKET: "b",
  MYRIAD_PREPROCESS_REQUEST: keys.request,
  MYRIAD_PREPROCESS_OUTCOME: keys.outcome,
});

describe("the preprocess job's entry point", () => {
  it("runs the same preprocess as the Lambda: the same result and the same objects, byte for byte", async () => {
    const job = await bucketWith(true);
    const optMl = tempDir("opt-ml-");
    const outcome = await runPreprocessContainer({ env: env(job.keys), store: job.store, root: optMl });

    const lambda = await bucketWith(false);
    const expected = await new InProcessPreprocessor(lambda.store, { now: new Date(NOW) }).run(lambda.input);

    expect(outcome).toEqual({ ok: true, result: expected });
    expect(expected).toMatchObject({
      customers: 3,
      reasons: { unparsable_timestamp: 1, future_timestamp: 1 },
    });
    expect(JSON.parse(new TextDecoder().decode(await job.store.get(job.keys.outcome)))).toEqual(outcome);
    const written = objects(job.store);
    expect(Object.keys(written)).toEqual(
      expect.arrayContaining([
        "manifests/sales/run-1.json",
        "quarantine/sales/run-1.csv",
        "customers/sales/0/data.csv",
      ]),
    );
    expect(written).toEqual(objects(lambda.store));
    expect(readdirSync(optMl)).toEqual([]);
  });

  it("leaves a bad input as an outcome for the Lambda and as the job's exit message", async () => {
    const job = await bucketWith(true, "customer_id,timestamp,consumption\nc1,never,1\n");
    const optMl = tempDir("opt-ml-");
    const outcome = await runPreprocessContainer({ env: env(job.keys), store: job.store, root: optMl });
    expect(outcome).toMatchObject({ ok: false, error: { status: 400, code: "no_valid_rows" } });
    expect(JSON.parse(new TextDecoder().decode(await job.store.get(job.keys.outcome)))).toEqual(outcome);
    expect(await readFile(join(optMl, "output/message"), "utf8")).toMatch(
      /^no_valid_rows: raw\/sales\/meters\.csv/,
    );
  });

  it("fails, naming what is missing, when the job's environment or request is incomplete", async () => {
    const job = await bucketWith(false);
    const optMl = tempDir("opt-ml-");
    await expect(
      runPreprocessContainer({ env: { MYRIAD_BUCKET: "b" }, store: job.store, root: optMl }),
    ).rejects.toThrow(/MYRIAD_PREPROCESS_REQUEST/);
    expect(await readFile(join(optMl, "output/message"), "utf8")).toMatch(
      /MYRIAD_PREPROCESS_REQUEST is required/,
    );
    await expect(
      runPreprocessContainer({ env: env(job.keys), store: job.store, root: optMl }),
    ).rejects.toThrow(/preprocess-request\.json not found/);
    expect(await job.store.get(job.keys.outcome)).toBeUndefined();
  });
});

describe("training.Dockerfile's preprocess command", () => {
  const dockerfile = readFileSync(join(repoRoot, "packages/model-server/training.Dockerfile"), "utf8");
  const lines = dockerfile.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));

  it("is installed as the command the Processing job runs", () => {
    expect(dockerfile).toContain(`/usr/local/bin/${PREPROCESS_COMMAND}`);
    expect(dockerfile).toContain("COPY --from=build /out/preprocess.cjs ./preprocess.cjs");
  });

  it("bundles from files inside the image's build context, and the bundle runs", async () => {
    const context = IgnoreStrategy.docker(repoRoot, [...IMAGE_CONTEXT_EXCLUDE]);
    const out = tempDir("bundle-");
    for (const entry of ["training/main.ts", "training/preprocess-main.ts"]) {
      const command = lines.find((l) => l.includes("esbuild@") && l.includes(entry));
      expect(command, entry).toBeDefined();
      const args = (command as string)
        .slice((command as string).indexOf("esbuild@"))
        .split(/\s+/)
        .slice(1);
      const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
      const outfile = join(out, `${entry.replace(/\W/g, "-")}.cjs`);
      const result = await build({
        absWorkingDir: repoRoot,
        entryPoints: args.filter((a) => !a.startsWith("--")),
        bundle: true,
        platform: flag("platform") as "node",
        target: flag("target"),
        format: flag("format") as "cjs",
        outfile,
        metafile: true,
        logLevel: "silent",
      });
      const sources = Object.keys(result.metafile.inputs).filter((path) => !path.includes("node_modules/"));
      expect(sources.length, entry).toBeGreaterThan(0);
      for (const path of sources) expect(context.ignores(join(repoRoot, path)), path).toBe(false);
      if (entry.endsWith("preprocess-main.ts")) {
        const root = tempDir("opt-ml-");
        const run = spawnSync(process.execPath, [outfile], {
          env: { PATH: process.env.PATH, SM_ROOT: root },
          encoding: "utf8",
        });
        expect(run.status).toBe(1);
        expect(readFileSync(join(root, "output/message"), "utf8")).toMatch(
          /MYRIAD_PREPROCESS_REQUEST is required/,
        );
      }
    }
  });
});
