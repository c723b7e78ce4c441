import { type IncomingHttpHeaders, request } from "node:http";

export interface RawResponse {
  status: number;
  contentType: string;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One HTTP request with the path sent exactly as given: `fetch` and `URL` would resolve `..`
 * and re-encode, hiding what a hostile client can send. Characters outside 0x21–0x7e must be
 * percent-encoded by the caller (Node refuses them in a request line).
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Percent-encodes every byte of the UTF-8 text that is not unreserved (RFC 3986). */
export function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Keeps printable ASCII as it is (`/`, `?`, `#`, `%`, `..` included) and encodes the rest. */
export function rawPrintable(text: string): string {
  let out = "";
  for (const ch of text) out += /^[\x21-\x7e]$/.test(ch) ? ch : percentEncode(ch);
  return out;
}
