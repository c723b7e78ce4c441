import { stat } from "node:fs/promises";
import { relative, sep } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import type { S3Event } from "aws-lambda";
import { md5File } from "./adapters/folder-object-store.ts";

export const LOCAL_BUCKET = "myriad-local";

/** Encodes a key as S3 notifications do: URL-encoded, spaces as `+`, `/` kept. */
export function encodeS3Key(key: string): string {
  return key
    .split("/")
    .map((part) => encodeURIComponent(part).replace(/%20/g, "+"))
    .join("/");
}

/** The S3 `ObjectCreated:Put` event for one file of the bucket folder. */
export async function objectCreatedEvent(bucketDir: string, path: string): Promise<S3Event> {
  const key = relative(bucketDir, path).split(sep).join("/");
  const s = await stat(path);
  const now = new Date().toISOString();
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "local",
        eventTime: now,
        eventName: "ObjectCreated:Put",
        userIdentity: { principalId: "local" },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": "local", "x-amz-id-2": "local" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "raw-uploads",
          bucket: {
            name: LOCAL_BUCKET,
            ownerIdentity: { principalId: "local" },
            arn: `arn:aws:s3:::${LOCAL_BUCKET}`,
          },
          object: {
            key: encodeS3Key(key),
            size: s.size,
            eTag: await md5File(path),
            sequencer: s.mtimeMs.toString(16),
          },
        },
      },
    ],
  };
}

/**
 * Watches `<bucket>/raw/` and emits an S3 event for every file that appears or changes, as S3
 * notifications would. Files copied in slowly are reported once their size stops changing.
 * Existing files are reported at start; their runs already exist, so nothing is redone.
 * `scanned` resolves once the files present at start have been reported and handled.
 */
export function watchBucket(
  bucketDir: string,
  onEvent: (event: S3Event) => Promise<void>,
): FSWatcher & { scanned: Promise<void> } {
  const watcher = watch(`${bucketDir}/raw`, {
    ignoreInitial: false,
    awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 100 },
    ignored: (path) => /(^|[/\\])\.[^/\\]+$/.test(path),
  });
  let ready = false;
  const initial: Promise<void>[] = [];
  const emit = (path: string) => {
    const handled = objectCreatedEvent(bucketDir, path)
      .then(onEvent)
      .catch((e) => console.error(`upload event for ${path} failed:`, e));
    if (!ready) initial.push(handled);
  };
  watcher.on("add", emit);
  watcher.on("change", emit);
  const scanned = new Promise<void>((resolve) =>
    watcher.once("ready", () => {
      ready = true;
      void Promise.allSettled(initial).then(() => resolve());
    }),
  );
  return Object.assign(watcher, { scanned });
}
