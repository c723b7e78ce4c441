import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { UploadTarget, UploadTicket } from "@myriad/core/ports/upload-target";

/** The presigner signs with the client's credentials and endpoint: it needs the whole client. */
export type PresignClient = S3Client;

/** Seconds a presigned PUT stays valid. */
const EXPIRES_IN = 15 * 60;

/**
 * Presigned S3 PUTs for `raw/` keys: the client uploads straight to the bucket (up to 5 GB in
 * one PUT), and the object-created event starts the run as for any other upload. The caller
 * (the API) validates the key; content type and length, when given, are part of the
 * signature, so the client must send the same headers.
 */
export class S3UploadTarget implements UploadTarget {
  readonly #s3: PresignClient;
  readonly #bucket: string;
  readonly #expiresIn: number;

  constructor(s3: PresignClient, bucket: string, expiresIn = EXPIRES_IN) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#expiresIn = expiresIn;
  }

  async createUpload(
    key: string,
    options: { contentLength?: number; contentType?: string },
  ): Promise<UploadTicket> {
    const command = new PutObjectCommand({
      Bucket: this.#bucket,
      Key: key,
      ContentType: options.contentType,
      ContentLength: options.contentLength,
    });
    const headers: Record<string, string> = {};
    if (options.contentType) headers["content-type"] = options.contentType;
    const url = await getSignedUrl(this.#s3 as never, command as never, {
      expiresIn: this.#expiresIn,
      signableHeaders: new Set(Object.keys(headers)),
    });
    return {
      key,
      url,
      method: "PUT",
      headers,
      expiresAt: new Date(Date.now() + this.#expiresIn * 1000).toISOString(),
    };
  }
}
