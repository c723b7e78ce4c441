import { createGunzip, gzipSync } from "node:zlib";
import { Readable } from "node:stream";
import { extract, pack } from "tar-stream";
import { MyriadError } from "../errors/myriad-error.ts";
import { type ModelArtifact, READABLE_MODEL_FORMATS } from "./model-artifact.ts";

const MODEL_FILE = "model.json";

/** Packs `model.json` into a `.tar.gz`, the archive SageMaker's multi-model endpoint loads. */
export async function packArtifact(artifact: ModelArtifact): Promise<Uint8Array> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    tar.on("end", resolve);
    tar.on("error", reject);
  });
  tar.entry({ name: MODEL_FILE, mtime: new Date(artifact.createdAt) }, JSON.stringify(artifact));
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** Reads `model.json` out of an artifact archive and checks its format. */
export async function unpackArtifact(bytes: Uint8Array): Promise<ModelArtifact> {
  const ex = extract();
  let json: string | undefined;
  ex.on("entry", (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on("data", (c: unknown) => {
      parts.push(c as Buffer);
    });
    stream.on("end", () => {
      if (header.name.replace(/^\.\//, "") === MODEL_FILE) json = Buffer.concat(parts).toString("utf8");
      next();
    });
    stream.resume();
  });
  const finished = new Promise<void>((resolve, reject) => {
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  const gunzip = createGunzip();
  gunzip.on("error", (e) => ex.destroy(e));
  Readable.from([Buffer.from(bytes)])
    .pipe(gunzip)
    .pipe(ex);
  await finished.catch((e: Error) => {
    throw new MyriadError(422, "invalid_artifact", `model archive is unreadable: ${e.message}`);
  });
  if (json === undefined)
    throw new MyriadError(422, "invalid_artifact", `model archive has no ${MODEL_FILE}`);
  const artifact = JSON.parse(json) as ModelArtifact;
  if (!READABLE_MODEL_FORMATS.includes(artifact.format)) {
    throw new MyriadError(
      422,
      "invalid_artifact",
      `unsupported model format ${JSON.stringify(artifact.format)}`,
    );
  }
  return artifact;
}
