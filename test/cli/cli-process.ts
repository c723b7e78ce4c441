import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../packages/local/bin/myriad.mjs", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx myriad ARGS` as a user runs it, pointed at a stack by its data dir and port. */
export function myriad(
  stack: { dataDir: string; apiUrl: string },
  args: string[],
  options: { cwd?: string } = {},
): Promise<CliResult> {
  const url = new URL(stack.apiUrl);
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: {
      ...process.env,
      MYRIAD_DATA_DIR: stack.dataDir,
      MYRIAD_PORT: url.port,
      MYRIAD_HOST: url.hostname,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a printed command line as a user pasting it would: through the shell. */
export function shell(command: string, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("bash", ["-c", command], { cwd, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command}: ${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}
