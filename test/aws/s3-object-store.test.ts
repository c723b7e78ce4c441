import { createS3Client, S3ObjectStore } from "@myriad/functions/aws/s3-object-store";
import { mockClient } from "aws-sdk-client-mock";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3 } from "./functions-s3-sdk.ts";
import { startS3rver } from "./s3rver-process.ts";

const { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } = S3;

const BUCKET = "myriad-test";

describe("S3ObjectStore against s3rver", () => {
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let store: S3ObjectStore;

  beforeAll(async () => {
    server = await startS3rver(BUCKET);
    const client = createS3Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    store = new S3ObjectStore(client, BUCKET);
  });
  afterAll(async () => server?.stop());

  it("puts, heads, gets and deletes", async () => {
    const info = await store.put("raw/sales/a.csv", "customer_id,timestamp,consumption\n", "text/csv");
    expect(info).toMatchObject({ key: "raw/sales/a.csv", size: 34 });
    expect(info.etag).toMatch(/^[0-9a-f]{32}$/);
    const head = await store.head("raw/sales/a.csv");
    expect(head).toMatchObject({ key: "raw/sales/a.csv", size: 34, etag: info.etag });
    expect(head?.lastModified).toBeInstanceOf(Date);
    expect(new TextDecoder().decode(await store.get("raw/sales/a.csv"))).toBe(
      "customer_id,timestamp,consumption\n",
    );
    await store.delete("raw/sales/a.csv");
    expect(await store.head("raw/sales/a.csv")).toBeUndefined();
    expect(await store.get("raw/sales/a.csv")).toBeUndefined();
    expect(await store.getStream("raw/sales/a.csv")).toBeUndefined();
  });

  it("streams a multipart upload byte-exact and streams it back", async () => {
    // 12 MiB in 1 MiB chunks: two 8 MiB parts.
    const chunk = new Uint8Array(1024 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) % 251;
    async function* body() {
      for (let i = 0; i < 12; i++) yield chunk;
    }
    const info = await store.putStream("quarantine/sales/run-1.csv", body(), "text/csv");
    expect(info.size).toBe(12 * chunk.length);
    const hash = createHash("sha256");
    let size = 0;
    for await (const part of (await store.getStream("quarantine/sales/run-1.csv"))!) {
      hash.update(part);
      size += part.length;
    }
    const expected = createHash("sha256");
    for (let i = 0; i < 12; i++) expected.update(chunk);
    expect(size).toBe(12 * chunk.length);
    expect(hash.digest("hex")).toBe(expected.digest("hex"));
  }, 60_000);

  it("lists every object under a prefix across pages", async () => {
    const keys = Array.from(
      { length: 1005 },
      (_, i) => `customers/sales/c${String(i).padStart(4, "0")}/data.csv`,
    );
    for (let i = 0; i < keys.length; i += 250) {
      await Promise.all(keys.slice(i, i + 250).map((k) => store.put(k, "timestamp,value\n")));
    }
    await store.put("customers/other/c1/data.csv", "x");
    const listed: string[] = [];
    for await (const o of store.list("customers/sales/")) listed.push(o.key);
    expect(listed.sort()).toEqual(keys);
  }, 60_000);

  it("deletes every object under a prefix across pages, and nothing beside it", async () => {
    const keys = Array.from({ length: 1003 }, (_, i) => `models/gone/c${i}/v1.tar.gz`);
    for (let i = 0; i < keys.length; i += 250) {
      await Promise.all(keys.slice(i, i + 250).map((k) => store.put(k, "x")));
    }
    await store.put("models/gone2/c1/v1.tar.gz", "kept");
    await store.put("models/gon", "kept");
    expect(await store.deletePrefix("models/gone/")).toBe(1003);
    const left: string[] = [];
    for await (const o of store.list("models/gon")) left.push(o.key);
    expect(left.sort()).toEqual(["models/gon", "models/gone2/c1/v1.tar.gz"]);
    expect(await store.deletePrefix("models/gone/")).toBe(0);
  }, 60_000);
});

describe("S3ObjectStore error handling (recorded responses)", () => {
  const client = createS3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  const s3 = mockClient(client);
  const store = new S3ObjectStore(client, BUCKET);

  it("treats NoSuchKey as absent and rethrows AccessDenied", async () => {
    s3.reset();
    s3.on(GetObjectCommand, { Key: "missing" }).rejects(
      Object.assign(new Error("The specified key does not exist."), {
        name: "NoSuchKey",
        $metadata: { httpStatusCode: 404 },
      }),
    );
    s3.on(GetObjectCommand, { Key: "secret" }).rejects(
      Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    );
    expect(await store.get("missing")).toBeUndefined();
    await expect(store.get("secret")).rejects.toThrow("Access Denied");
  });

  it("fails a prefix delete when S3 reports keys it did not delete", async () => {
    s3.reset();
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: "raw/d/a.csv" }, { Key: "raw/d/b.csv" }] });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: "raw/d/b.csv", Code: "AccessDenied", Message: "Access Denied" }],
    });
    await expect(store.deletePrefix("raw/d/")).rejects.toThrow(
      /did not delete 1 of 2 .*raw\/d\/b.csv: AccessDenied/,
    );
  });

  it("returns the bare ETag of a put", async () => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({ ETag: '"0123abcd"' });
    expect((await store.put("runs/x.json", "{}")).etag).toBe("0123abcd");
  });
});
