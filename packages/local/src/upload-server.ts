import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Readable } from "node:stream";
import { Hono } from "hono";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { UploadTarget, UploadTicket } from "@myriad/core/ports/upload-target";

const TTL_MS = 15 * 60_000;
const MAX_BYTES = 5 * 1024 ** 3;

export interface LocalUploadsOptions {
  /** How long a URL stays valid (ms). Default 15 minutes, as the S3 adapter's. */
  ttlMs?: number;
}

/** What a URL's signature covers: everything the PUT is held to. */
interface Grant {
  key: string;
  expires: number;
  size?: number;
  type?: string;
  nonce: string;
}

/**
 * The embedded stack's stand-in for presigned S3 PUT URLs: `POST /v1/uploads` hands out a URL
 * on the API server signed with a per-process secret; `PUT` on it streams the body into the
 * bucket folder (never held in memory), where the watcher turns it into an upload event.
 *
 * Held to what S3 holds a presigned PUT to: the declared size and content type are signed, so
 * a PUT must send exactly those; the URL is built from the base the stack was configured with,
 * never from a request's Host header (which a client, or a DNS-rebinding page, chooses). It is
 * also single-use: a stored file spends it, so a leaked URL cannot start a second run.
 */
export class LocalUploads implements UploadTarget {
  readonly #secret = randomBytes(32);
  readonly #store: ObjectStore;
  readonly #ttlMs: number;
  #baseUrl: string | undefined;
  /** Signatures of URLs that stored a file (or are storing one), kept until they expire. */
  readonly #spent = new Map<string, number>();

  constructor(store: ObjectStore, options: LocalUploadsOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? TTL_MS;
  }

  /**
   * Sets the base URL upload URLs start with (`MYRIAD_PUBLIC_URL`, else the address the API
   * server listens on); known only once the server listens.
   */
  serveAt(baseUrl: string): void {
    this.#baseUrl = baseUrl;
  }

  async createUpload(
    key: string,
    options: { contentLength?: number; contentType?: string },
  ): Promise<UploadTicket> {
    if (this.#baseUrl === undefined)
      throw new MyriadError(503, "uploads_unavailable", "the upload receiver is not listening yet");
    if (!URL.canParse(this.#baseUrl))
      throw new MyriadError(
        503,
        "uploads_unavailable",
        `the API's address ${this.#baseUrl} is not a URL clients can use; set MYRIAD_PUBLIC_URL`,
      );
    const grant: Grant = {
      key,
      expires: Date.now() + this.#ttlMs,
      size: options.contentLength,
      type: options.contentType,
      nonce: randomBytes(12).toString("base64url"),
    };
    const query = new URLSearchParams({ key, expires: String(grant.expires) });
    if (grant.size !== undefined) query.set("size", String(grant.size));
    if (grant.type !== undefined) query.set("type", grant.type);
    query.set("nonce", grant.nonce);
    query.set("sig", this.#sign(grant));
    return {
      key,
      url: new URL(`uploads?${query}`, this.#baseUrl).toString(),
      method: "PUT",
      headers: grant.type ? { "content-type": grant.type } : {},
      expiresAt: new Date(grant.expires).toISOString(),
    };
  }

  #sign(grant: Grant): string {
    // A JSON array: no field can run into the next, whatever characters it holds.
    const text = JSON.stringify([
      grant.key,
      grant.expires,
      grant.size ?? null,
      grant.type ?? null,
      grant.nonce,
    ]);
    return createHmac("sha256", this.#secret).update(text).digest("base64url");
  }

  /** The URL's grant when its signature is this process's; undefined for anything else. */
  #verify(query: (name: string) => string | undefined): { grant: Grant; sig: string } | undefined {
    const size = query("size");
    const expires = query("expires") ?? "";
    if (!/^\d{1,16}$/.test(expires) || (size !== undefined && !/^\d{1,16}$/.test(size))) return undefined;
    const grant: Grant = {
      key: query("key") ?? "",
      expires: Number(expires),
      size: size === undefined ? undefined : Number(size),
      type: query("type"),
      nonce: query("nonce") ?? "",
    };
    const sig = query("sig") ?? "";
    const given = Buffer.from(sig);
    const expected = Buffer.from(this.#sign(grant));
    const valid = given.length === expected.length && timingSafeEqual(given, expected);
    return valid && grant.key.startsWith("raw/") ? { grant, sig } : undefined;
  }

  /** Marks a URL used; false when it already was. Forgets URLs past their expiry. */
  #spend(sig: string, expires: number): boolean {
    const now = Date.now();
    for (const [s, until] of this.#spent) if (until < now) this.#spent.delete(s);
    if (this.#spent.has(sig)) return false;
    this.#spent.set(sig, expires);
    return true;
  }

  /** `PUT /uploads?key&expires&size&type&nonce&sig`: the signed URL's receiver. */
  routes(): Hono {
    const app = new Hono();
    // The console may be open under another name for this machine than the configured base
    // (localhost against 127.0.0.1): its PUT is then cross-origin. The signed URL is the
    // credential, as a presigned S3 URL is, so any origin may send it; no cookies are involved.
    app.use("/uploads", async (c, next) => {
      await next();
      c.res.headers.set("access-control-allow-origin", "*");
    });
    app.options("/uploads", (c) => {
      c.header("access-control-allow-methods", "PUT");
      c.header("access-control-allow-headers", "content-type");
      c.header("access-control-max-age", "600");
      return c.body(null, 204);
    });
    app.put("/uploads", async (c) => {
      const verified = this.#verify((name) => c.req.query(name));
      if (!verified) throw new MyriadError(403, "invalid_signature", "the upload URL is not valid");
      const { grant, sig } = verified;
      if (Date.now() > grant.expires)
        throw new MyriadError(
          403,
          "upload_expired",
          "the upload URL has expired; ask POST /v1/uploads for another",
        );
      // The media type must be the signed one; parameters (a browser's `; charset=…`) may differ.
      const type = c.req.header("content-type");
      const mediaType = type?.split(";")[0].trim().toLowerCase();
      if (grant.type !== undefined && mediaType !== grant.type.toLowerCase())
        throw new MyriadError(
          403,
          "content_type_mismatch",
          `this upload URL is signed for Content-Type ${grant.type}; send that header (got ${type ? JSON.stringify(type.slice(0, 100)) : "none"})`,
        );
      const length = c.req.header("content-length");
      if (grant.size !== undefined) {
        if (length === undefined)
          throw new MyriadError(
            411,
            "length_required",
            `send Content-Length: ${grant.size}, the size this URL is signed for`,
          );
        if (Number(length) !== grant.size)
          throw new MyriadError(
            403,
            "size_mismatch",
            `this upload URL is signed for ${grant.size} bytes; the request declares ${length}`,
          );
      } else if (Number(length ?? "0") > MAX_BYTES)
        throw new MyriadError(413, "too_large", `uploads are limited to ${MAX_BYTES} bytes`);
      if (!c.req.raw.body) throw new MyriadError(400, "empty_upload", "the upload has no body");
      if (!this.#spend(sig, grant.expires))
        throw new MyriadError(
          403,
          "upload_url_used",
          "this upload URL has already been used; ask POST /v1/uploads for another",
        );
      try {
        const body = Readable.fromWeb(c.req.raw.body as never);
        const info = await this.#store.putStream(grant.key, sized(body, grant.size));
        return c.json({ key: info.key, size: info.size, etag: info.etag }, 200);
      } catch (e) {
        // Nothing was stored (the store renames a finished file into place), so the client
        // may try the same URL again.
        this.#spent.delete(sig);
        throw e;
      }
    });
    return app;
  }
}

/**
 * The body, held to the signed size when there is one (else to S3's single-PUT limit). A body
 * of another size fails the stream, so the store puts nothing in place.
 */
async function* sized(body: AsyncIterable<Uint8Array>, size: number | undefined): AsyncIterable<Uint8Array> {
  const max = size ?? MAX_BYTES;
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max)
      throw size === undefined
        ? new MyriadError(413, "too_large", `uploads are limited to ${max} bytes`)
        : new MyriadError(
            403,
            "size_mismatch",
            `the body is longer than the ${size} bytes this URL is signed for`,
          );
    yield chunk;
  }
  if (size !== undefined && total !== size)
    throw new MyriadError(
      403,
      "size_mismatch",
      `the body has ${total} bytes; this URL is signed for ${size}`,
    );
}
