import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../packages/local/bin/myriad.mjs", import.meta.url));

export interface StackProcess {
  child: ChildProcess;
  apiUrl: string;
  output(): string;
  api(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
}

/** `myriad start` as its own process (free ports, no demo), as a user runs it. */
export async function startStackProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<StackProcess> {
  const child = spawn(process.execPath, [CLI, "start"], {
    env: {
      ...process.env,
      MYRIAD_DATA_DIR: dataDir,
      MYRIAD_PORT: "0",
      MYRIAD_ENDPOINT_PORT: "0",
      MYRIAD_DEMO: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c) => {
    out += c;
  });
  child.stderr?.on("data", (c) => {
    out += c;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const apiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start:\n${out}`)), 60_000);
    const check = () => {
      const m = /API and console\s+(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", check);
    void exited.then(() => reject(new Error(`stack exited:\n${out}`)));
  });
  const key = (await readFile(join(dataDir, "admin-key"), "utf8")).trim();
  return {
    child,
    apiUrl,
    exited,
    output: () => out,
    api: (path, init = {}) =>
      fetch(apiUrl + path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }),
  };
}
