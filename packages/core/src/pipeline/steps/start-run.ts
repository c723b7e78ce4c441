import { createHash } from "node:crypto";
import { datasetOfRawKey } from "../../dataset/keys.ts";
import { isSafeIdentifier } from "../../dataset/identifiers.ts";
import { ingestDriverFile, isDriverFile } from "../../drivers/ingest-driver-file.ts";
import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import type { PipelineRunner, RunInput } from "../../ports/pipeline-runner.ts";
import { hasActiveModels } from "../../registry/models.ts";
import { createRun, deleteUnstartedRun, setExecutionArn } from "../../registry/runs.ts";

/** The slice of an S3 notification record this step reads (S3's shape, as Lambda receives it). */
export interface S3ObjectCreatedRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
}

/**
 * The run id of an upload: a hash of bucket, key and eTag. The same object delivered twice
 * (S3 notifications are at-least-once) maps to the same id, which is also the Step Functions
 * execution name, so a duplicate cannot start a second run; new bytes under the same key start
 * a new one.
 */
export function runIdFor(bucket: string, key: string, etag: string): string {
  return `run-${createHash("sha256").update(`${bucket}\n${key}\n${etag}`).digest("hex").slice(0, 24)}`;
}

/** S3 URL-encodes keys in notifications, with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

export type UploadOutcome =
  | { key: string; status: "started" | "duplicate"; runId: string; note?: string }
  | { key: string; status: "ignored"; reason: string };

/**
 * Starts one run per uploaded data file under `raw/`; anything else is ignored with a reason.
 * Driver files (`metadata.csv`, `related/<name>.csv`) are stored for the next run (see
 * ingestDriverFile). A stored related file also starts a re-forecast run when the dataset has
 * active models, since it usually brings the next weather forecast (see reforecastModels);
 * item metadata starts none, and a file that could not be stored is reported as ignored with why.
 */
export async function startRuns(
  ports: { db: Db; runner: PipelineRunner; store: ObjectStore },
  records: S3ObjectCreatedRecord[],
): Promise<UploadOutcome[]> {
  const outcomes: UploadOutcome[] = [];
  for (const record of records) {
    const key = decodeS3Key(record.s3.object.key);
    if (!record.eventName.startsWith("ObjectCreated")) {
      outcomes.push({ key, status: "ignored", reason: `event ${record.eventName}` });
      continue;
    }
    let dataset: string | undefined;
    let note: string | undefined;
    if (isDriverFile(key)) {
      const outcome = await ingestDriverFile(ports.store, key);
      if (
        outcome.kind !== "related" ||
        !outcome.stored ||
        !(await hasActiveModels(ports.db, outcome.dataset))
      ) {
        outcomes.push({ key, status: "ignored", reason: outcome.summary });
        continue;
      }
      dataset = outcome.dataset;
      note = `${outcome.summary}; active models are re-forecast`;
    } else {
      dataset = datasetOfRawKey(key);
      if (dataset === undefined) {
        outcomes.push({ key, status: "ignored", reason: "not a data file under raw/" });
        continue;
      }
      if (!isSafeIdentifier(dataset)) {
        outcomes.push({ key, status: "ignored", reason: `unsafe dataset name ${JSON.stringify(dataset)}` });
        continue;
      }
    }
    const bucket = record.s3.bucket.name;
    const etag = (record.s3.object.eTag ?? record.s3.object.sequencer ?? "").replace(/"/g, "");
    const input: RunInput = {
      runId: runIdFor(bucket, key, etag),
      dataset,
      bucket,
      key,
      size: record.s3.object.size ?? 0,
      etag,
    };
    const created = await createRun(ports.db, input);
    let started: Awaited<ReturnType<PipelineRunner["start"]>>;
    try {
      started = created ? await ports.runner.start(input) : { runId: input.runId, started: false };
    } catch (e) {
      // Without this, S3's retry of the event would find the run and call it a duplicate, and
      // the orphan would hold up the dataset's later uploads until it timed out.
      await deleteUnstartedRun(ports.db, input.runId);
      throw e;
    }
    if (started.executionArn) await setExecutionArn(ports.db, input.runId, started.executionArn);
    outcomes.push({
      key,
      status: started.started ? "started" : "duplicate",
      runId: input.runId,
      ...(note ? { note } : {}),
    });
  }
  return outcomes;
}
