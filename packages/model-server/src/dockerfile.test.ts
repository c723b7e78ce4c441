import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const repoRoot = join(packageDir, "..", "..");
const dockerfile = await readFile(join(packageDir, "Dockerfile"), "utf8");
const lines = dockerfile.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
/** The runtime stage: everything after the last FROM. */
const runtime = lines.slice(lines.findLastIndex((l) => l.startsWith("FROM ")));
const out = await mkdtemp(join(tmpdir(), "model-server-bundle-"));
afterAll(() => rm(out, { recursive: true, force: true }));

describe("model-server Dockerfile", () => {
  it("runs as SageMaker expects a multi-model container to", () => {
    expect(runtime[0]).toBe("FROM node:22-slim");
    expect(runtime).toContain("LABEL com.amazonaws.sagemaker.capabilities.multi-models=true");
    expect(runtime).toContain("EXPOSE 8080");
    expect(runtime.at(-1)).toBe('CMD ["serve"]');
    const user = runtime.filter((l) => l.startsWith("USER ")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(runtime.some((l) => l.includes("/usr/local/bin/serve"))).toBe(true);
  });

  it("pins the esbuild that the repository installs", async () => {
    const installed = JSON.parse(
      await readFile(join(repoRoot, "node_modules/esbuild/package.json"), "utf8"),
    ).version;
    expect(dockerfile).toContain(`esbuild@${installed} packages/model-server/src/main.ts`);
  });

  it("bundles main.ts as the build stage does, and the bundle answers /ping within 2 s", async () => {
    const command = lines.find((l) => l.includes("esbuild@"))!;
    const args = command.slice(command.indexOf("esbuild@")).split(/\s+/).slice(1);
    const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
    expect(args).toContain("--bundle");
    const outfile = join(out, "model-server.cjs");
    await build({
      absWorkingDir: repoRoot,
      entryPoints: args.filter((a) => !a.startsWith("--")),
      bundle: true,
      platform: flag("platform") as "node",
      target: flag("target"),
      format: flag("format") as "cjs",
      outfile,
      logLevel: "silent",
    });
    const port = await freePort();
    const started = performance.now();
    const child = spawn(process.execPath, [outfile], {
      env: { ...process.env, SAGEMAKER_BIND_TO_PORT: String(port) },
    });
    try {
      let status = 0;
      while (performance.now() - started < 5_000 && status !== 200) {
        status = await fetch(`http://127.0.0.1:${port}/ping`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}
