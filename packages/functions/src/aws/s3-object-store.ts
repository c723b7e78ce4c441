import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { ObjectInfo, ObjectStore } from "@myriad/core/ports/object-store";
import { Readable } from "node:stream";

/**
 * The slice of S3Client this adapter uses: `send` for the commands, `config` because
 * lib-storage's Upload reads the client's configuration. Tests pass a client mocked with
 * aws-sdk-client-mock or one pointed at s3rver.
 */
export type S3Slice = Pick<S3Client, "send" | "config">;

/**
 * A client for the bucket. `requestChecksumCalculation: "WHEN_REQUIRED"` keeps streamed
 * multipart uploads byte-exact against S3-compatible servers (measured with s3rver, which
 * otherwise stores the aws-chunked framing); S3 itself accepts either.
 */
export function createS3Client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({ requestChecksumCalculation: "WHEN_REQUIRED", ...config });
}

/** S3 quotes ETags; the port (and the S3 event) use the bare value. */
const bareEtag = (etag: string | undefined) => (etag ?? "").replace(/^"|"$/g, "");

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata?.httpStatusCode === 404;
}

/** Multipart parts for `putStream`: 8 MiB parts, four in flight (at most 32 MiB held). */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/**
 * ObjectStore over one S3 bucket. `put` reports the size it sent and the time it finished
 * rather than paying for a HEAD; `head` and `list` report what S3 holds.
 */
export class S3ObjectStore implements ObjectStore {
  readonly #s3: S3Slice;
  readonly #bucket: string;

  constructor(s3: S3Slice, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      // In Node the body is an IncomingMessage: a Readable, hence async-iterable.
      return (out.Body as AsyncIterable<Uint8Array> | undefined) ?? Readable.from([]);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async put(key: string, body: Uint8Array | string, contentType?: string): Promise<ObjectInfo> {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const out = await this.#s3.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: bytes, ContentType: contentType }),
    );
    return { key, size: bytes.byteLength, etag: bareEtag(out.ETag), lastModified: new Date() };
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>, contentType?: string): Promise<ObjectInfo> {
    let size = 0;
    const counted = async function* () {
      for await (const chunk of body) {
        size += chunk.byteLength;
        yield chunk;
      }
    };
    const upload = new Upload({
      client: this.#s3 as S3Client,
      params: { Bucket: this.#bucket, Key: key, Body: Readable.from(counted()), ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const out = await upload.done();
    return { key, size, etag: bareEtag("ETag" in out ? out.ETag : undefined), lastModified: new Date() };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: bareEtag(out.ETag),
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const out = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield {
          key: o.Key,
          size: o.Size ?? 0,
          etag: bareEtag(o.ETag),
          lastModified: o.LastModified ?? new Date(0),
        };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  /** One DeleteObjects per listed page (at most 1,000 keys, DeleteObjects' own limit). */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const out = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
      );
      const keys = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (keys.length > 0) {
        const result = await this.#s3.send(
          new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: keys, Quiet: true } }),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0)
          throw new Error(
            `S3 did not delete ${failed.length} of ${keys.length} objects under ${prefix}, e.g. ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message ?? ""}`,
          );
        deleted += keys.length;
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }
}
