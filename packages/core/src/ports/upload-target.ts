/** Where and how a client sends a file: a presigned S3 PUT in AWS, the API server locally. */
export interface UploadTicket {
  key: string;
  url: string;
  method: "PUT";
  headers: Record<string, string>;
  expiresAt: string;
}

/** Hands out upload URLs for keys under `raw/`; the upload itself then starts a run. */
export interface UploadTarget {
  createUpload(key: string, options: { contentLength?: number; contentType?: string }): Promise<UploadTicket>;
}
