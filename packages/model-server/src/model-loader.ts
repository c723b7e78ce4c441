import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
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

/**
 * A load that failed. The status, code and message are the same whatever the file holds, so an
 * answer never tells a caller whether some file exists or what it starts with; `detail` says
 * what went wrong, for the server's log only.
 */
export class ModelLoadError extends MyriadError {
  readonly detail: string;

  constructor(kind: "url" | "artifact", detail: string) {
    super(
      kind === "url" ? 400 : 422,
      kind === "url" ? "invalid_model_url" : "invalid_artifact",
      kind === "url"
        ? "cannot load a model from this url"
        : "the file at this url is not a model this server can read",
    );
    this.name = "ModelLoadError";
    this.detail = detail;
  }
}

export interface FileModelLoaderOptions {
  /**
   * When set, only files whose real path (symlinks resolved) lies inside this folder are read;
   * any other url is refused exactly as a missing file is. The embedded stack sets it to the
   * router's download folder. SageMaker's container leaves it unset: its port is private to the
   * instance and SageMaker alone chooses the paths (`/opt/ml/models/<name>/model`).
   */
  root?: string;
}

/**
 * Loads from the local filesystem. `url` may be a `.tar.gz` archive, a `model.json`, or a
 * directory holding either (SageMaker passes `/opt/ml/models/<name>/model`, a directory with
 * the extracted or downloaded artifact). A directory with several archives is ambiguous and
 * rejected rather than guessed.
 *
 * The size charged is the uncompressed archive size from the gzip trailer (ISIZE), so it costs
 * no second serialization; for a `model.json` it is the file size. Both track the JSON length.
 */
export function fileModelLoader(options: FileModelLoaderOptions = {}): ModelLoader {
  let rootReal: string | undefined;
  /** The real path of `path`, which must exist and, with a root, lie inside it. */
  const resolveAllowed = async (path: string): Promise<string> => {
    const real = await realpath(path).catch((e: Error) => {
      throw new ModelLoadError("url", e.message);
    });
    if (options.root === undefined) return real;
    rootReal ??= await realpath(options.root).catch((e: Error) => {
      throw new ModelLoadError("url", `model root: ${e.message}`);
    });
    if (!real.startsWith(rootReal + sep))
      throw new ModelLoadError("url", `${JSON.stringify(path)} resolves to ${real}, outside ${rootReal}`);
    return real;
  };
  const load = async (url: string): Promise<LoadedArtifact> => {
    const real = await resolveAllowed(url);
    const info = await stat(real);
    if (info.isFile()) return loadFile(real);
    if (!info.isDirectory()) throw new ModelLoadError("url", `${real} is not a file or directory`);
    const names = await readdir(real);
    const archives = names.filter((n) => n.endsWith(".tar.gz"));
    const chosen = names.includes("model.json")
      ? "model.json"
      : archives.length === 1
        ? archives[0]
        : undefined;
    if (chosen === undefined) {
      const why = archives.length === 0 ? "no model.json or .tar.gz" : "more than one .tar.gz";
      throw new ModelLoadError("url", `${real} holds ${why}`);
    }
    // A file inside an allowed folder may still be a symlink that points out of it.
    const file = await resolveAllowed(join(real, chosen));
    if (!(await stat(file)).isFile()) throw new ModelLoadError("url", `${file} is not a file`);
    return loadFile(file);
  };
  return {
    load: (url) =>
      load(url).catch((e: Error) => {
        // A file that vanished or cannot be read between checks: the same answer as a missing one.
        throw e instanceof ModelLoadError ? e : new ModelLoadError("url", e.message);
      }),
  };
}

async function loadFile(path: string): Promise<LoadedArtifact> {
  try {
    const bytes = await readFile(path);
    if (path.endsWith(".json"))
      return { artifact: parseModelJson(bytes.toString("utf8")), sizeBytes: bytes.length };
    return { artifact: await unpackArtifact(bytes), sizeBytes: gzipUncompressedSize(bytes) };
  } catch (e) {
    throw new ModelLoadError("artifact", `${path}: ${(e as Error).message}`);
  }
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
