import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Readable } from "node:stream";
import { Hono } from "hono";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { UploadTarget, UploadTicket } from "@myriad/core/ports/upload-target";

const TTL_MS = 15 * 60_000;
const MAX_BYTES = 5 * 1024 ** 3;

/**
 * The embedded stack's stand-in for presigned S3 PUT URLs: `POST /v1/uploads` hands out a URL
 * on the API server signed with a per-process secret; `PUT` on it streams the body into the
 * bucket folder (never held in memory), where the watcher turns it into an upload event.
 */
export class LocalUploads implements UploadTarget {
  readonly #secret = randomBytes(32);
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  async createUpload(
    key: string,
    options: { contentLength?: number; contentType?: string },
  ): Promise<UploadTicket> {
    const expires = Date.now() + TTL_MS;
    const query = new URLSearchParams({ key, expires: String(expires), sig: this.#sign(key, expires) });
    return {
      key,
      // Relative: the API answers with it resolved against the host the client called, so the
      // console works whether it was opened as localhost or 127.0.0.1.
      url: `/uploads?${query}`,
      method: "PUT",
      headers: options.contentType ? { "content-type": options.contentType } : {},
      expiresAt: new Date(expires).toISOString(),
    };
  }

  #sign(key: string, expires: number): string {
    return createHmac("sha256", this.#secret).update(`${key}\n${expires}`).digest("base64url");
  }

  /** `PUT /uploads?key&expires&sig`: the signed URL's receiver. */
  routes(): Hono {
    const app = new Hono();
    app.put("/uploads", async (c) => {
      const key = c.req.query("key") ?? "";
      const expires = Number(c.req.query("expires"));
      const sig = Buffer.from(c.req.query("sig") ?? "");
      const expected = Buffer.from(this.#sign(key, expires));
      if (sig.length !== expected.length || !timingSafeEqual(sig, expected) || !key.startsWith("raw/")) {
        throw new MyriadError(403, "invalid_signature", "the upload URL is not valid");
      }
      if (Date.now() > expires) throw new MyriadError(403, "upload_expired", "the upload URL has expired");
      const declared = Number(c.req.header("content-length") ?? "0");
      if (declared > MAX_BYTES)
        throw new MyriadError(413, "too_large", `uploads are limited to ${MAX_BYTES} bytes`);
      if (!c.req.raw.body) throw new MyriadError(400, "empty_upload", "the upload has no body");
      const info = await this.#store.putStream(
        key,
        limited(Readable.fromWeb(c.req.raw.body as never), MAX_BYTES),
      );
      return c.json({ key: info.key, size: info.size, etag: info.etag }, 200);
    });
    return app;
  }
}

async function* limited(body: AsyncIterable<Uint8Array>, max: number): AsyncIterable<Uint8Array> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) throw new MyriadError(413, "too_large", `uploads are limited to ${max} bytes`);
    yield chunk;
  }
}
