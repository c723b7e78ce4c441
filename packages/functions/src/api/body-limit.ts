import type { MiddlewareHandler } from "hono";
import { MyriadError } from "@myriad/core/errors/myriad-error";

/** The largest request body the API reads: its biggest real body (a what-if) is a few KB. */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = (max: number) =>
  new MyriadError(413, "body_too_large", `request bodies are limited to ${max} bytes`);

/**
 * Refuses a body over `max` bytes with 413 before any of it is parsed: at once when
 * Content-Length declares more, else (chunked, or a Lambda event whose body is already in
 * memory whatever its header says) after reading at most `max` bytes of it. The bytes read
 * are handed on, so the route parses them as usual.
 */
export function bodyLimit(max = MAX_BODY_BYTES): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    if (Number(c.req.header("content-length") ?? 0) > max) {
      discardRest(reader);
      throw tooLarge(max);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        discardRest(reader);
        throw tooLarge(max);
      }
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks, size) });
    await next();
  };
}

/**
 * Reads and drops what is left of a refused body, for a bounded time and size: a client still
 * sending it then reads the 413, where closing at once would reset the connection under it.
 */
function discardRest(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes = 64 * 1024 ** 2,
  maxMs = 2000,
) {
  const stop = () => void reader.cancel().catch(() => {});
  const timer = setTimeout(stop, maxMs);
  timer.unref?.();
  void (async () => {
    let seen = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        seen += value.byteLength;
        if (seen > maxBytes) return stop();
      }
    } catch {
      // the client went away: nothing left to drop
    } finally {
      clearTimeout(timer);
    }
  })();
}
