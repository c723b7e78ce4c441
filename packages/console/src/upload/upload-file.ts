import { type ApiClient, ApiError } from "../api/client.ts";
import type { UploadTicket } from "../api/types.ts";

/** The API's rule for upload file names (packages/functions/src/api/routes/uploads.ts). */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.csv(\.gz)?$/;

/**
 * A name the API accepts for `name`: unsafe characters become `-` (a file picked from a
 * desktop often has spaces). Null when the file is not a `.csv` or `.csv.gz`, which the
 * pipeline cannot read whatever it is called.
 */
export function safeFileName(name: string): string | null {
  const m = /^(.*?)(\.csv(?:\.gz)?)$/i.exec(name.trim());
  if (!m) return null;
  let stem = m[1]
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[^A-Za-z0-9]+/, "");
  const ext = m[2].toLowerCase();
  if (stem === "") stem = "upload";
  const candidate = `${stem.slice(0, 128 - ext.length)}${ext}`;
  return FILE_NAME.test(candidate) ? candidate : null;
}

/**
 * Uploads a file the way any client does: `POST /v1/uploads` for a URL, then `PUT` the bytes
 * there (a presigned S3 URL in AWS, the API server's upload receiver locally). The PUT goes
 * through XMLHttpRequest because fetch reports no upload progress.
 */
export async function uploadFile(
  api: ApiClient,
  options: {
    dataset: string;
    file: File;
    filename: string;
    onProgress?: (sent: number, total: number) => void;
  },
): Promise<UploadTicket> {
  const { dataset, file, filename } = options;
  const ticket = await api.post<UploadTicket>("/v1/uploads", { dataset, filename, size: file.size });
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method, ticket.url);
    for (const [name, value] of Object.entries(ticket.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let detail = `the upload answered ${xhr.status}`;
      try {
        detail = (JSON.parse(xhr.responseText) as { detail?: string }).detail ?? detail;
      } catch {
        // S3 answers XML; keep the status line.
      }
      reject(new ApiError(xhr.status, "upload_failed", detail));
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "the upload did not reach the server"));
    xhr.send(file);
  });
  return ticket;
}
