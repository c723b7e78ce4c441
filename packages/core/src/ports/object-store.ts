/** One object as a listing or head returns it. */
export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/**
 * The bucket: S3 in AWS, a folder on the embedded stack. Keys are `/`-separated and never
 * start with `/`. Only the operations core needs.
 */
export interface ObjectStore {
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object's bytes as a stream, for inputs too large to hold. */
  getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<ObjectInfo>;
  /** Writes a stream without holding it (multipart upload in S3). */
  putStream(key: string, body: AsyncIterable<Uint8Array>, contentType?: string): Promise<ObjectInfo>;
  head(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  /**
   * Deletes every object whose key starts with `prefix` (in batches in S3); how many it deleted.
   * Safe to repeat: a second call deletes what the first left.
   */
  deletePrefix(prefix: string): Promise<number>;
}

/** A JSON object from the store, or undefined when there is none. */
export async function readStoredJson<T>(
  store: Pick<ObjectStore, "get">,
  key: string,
): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as T) : undefined;
}
