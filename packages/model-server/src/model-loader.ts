import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { unpackArtifact } from "@myriad/core/artifact/archive";
import { type ModelArtifact, READABLE_MODEL_FORMATS } from "@myriad/core/artifact/model-artifact";
import { MyriadError } from "@myriad/core/errors/myriad-error";

/** A parsed artifact and the bytes it is charged against the server's memory budget. */
export interface LoadedArtifact {
  artifact: ModelArtifact;
  sizeBytes: number;
}

/**
 * Turns the `url` of `POST /models` into a model in memory. SageMaker downloads the artifact
 * itself and passes a local path, so the container never talks to S3.
 */
export interface ModelLoader {
  load(url: string): Promise<LoadedArtifact>;
}

const invalidUrl = (url: string, why: string) =>
  new MyriadError(400, "invalid_model_url", `cannot load ${JSON.stringify(url)}: ${why}`);

/**
 * Loads from the local filesystem. `url` may be a `.tar.gz` archive, a `model.json`, or a
 * directory holding either (SageMaker passes `/opt/ml/models/<name>/model`, a directory with
 * the extracted or downloaded artifact). A directory with several archives is ambiguous and
 * rejected rather than guessed.
 *
 * The size charged is the uncompressed archive size from the gzip trailer (ISIZE), so it costs
 * no second serialization; for a `model.json` it is the file size. Both track the JSON length.
 */
export function fileModelLoader(): ModelLoader {
  return {
    async load(url) {
      // The router and SageMaker usually name the archive itself: read it without a stat first.
      if (url.endsWith(".tar.gz") || url.endsWith(".json")) {
        const direct = await loadFile(url).catch((e: NodeJS.ErrnoException) => {
          if (e.code === "ENOENT" || e.code === "EISDIR") return undefined;
          throw e;
        });
        if (direct) return direct;
      }
      const info = await stat(url).catch(() => undefined);
      if (!info) throw invalidUrl(url, "no such file or directory");
      if (info.isFile()) return loadFile(url);
      if (!info.isDirectory()) throw invalidUrl(url, "not a file or directory");
      const names = await readdir(url);
      if (names.includes("model.json")) return loadFile(join(url, "model.json"));
      const archives = names.filter((n) => n.endsWith(".tar.gz"));
      if (archives.length === 1) return loadFile(join(url, archives[0]));
      throw invalidUrl(
        url,
        archives.length === 0 ? "no model.json or .tar.gz inside" : "more than one .tar.gz inside",
      );
    },
  };
}

async function loadFile(path: string): Promise<LoadedArtifact> {
  const bytes = await readFile(path);
  if (path.endsWith(".json"))
    return { artifact: parseModelJson(bytes.toString("utf8")), sizeBytes: bytes.length };
  return { artifact: await unpackArtifact(bytes), sizeBytes: gzipUncompressedSize(bytes) };
}

/** Reads a bare `model.json`, with the format check `unpackArtifact` applies to archives. */
export function parseModelJson(json: string): ModelArtifact {
  let artifact: ModelArtifact;
  try {
    artifact = JSON.parse(json) as ModelArtifact;
  } catch (e) {
    throw new MyriadError(422, "invalid_artifact", `model.json is not JSON: ${(e as Error).message}`);
  }
  if (!READABLE_MODEL_FORMATS.includes(artifact?.format)) {
    throw new MyriadError(
      422,
      "invalid_artifact",
      `unsupported model format ${JSON.stringify(artifact?.format)}`,
    );
  }
  return artifact;
}

/** ISIZE, the last four bytes of a gzip member: the input size modulo 2^32 (RFC 1952 §2.3.1). */
export function gzipUncompressedSize(bytes: Uint8Array): number {
  if (bytes.length < 18) return bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(bytes.length - 4, true);
}
