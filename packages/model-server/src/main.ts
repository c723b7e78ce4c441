import { modelServerOptionsFromEnv } from "./env.ts";
import { startModelServer } from "./start-model-server.ts";

/**
 * Container entry point (`serve`): the multi-model server on `SAGEMAKER_BIND_TO_PORT` or 8080.
 * Nothing is loaded at start, so `/ping` answers as soon as the port is bound; SageMaker loads
 * models on demand through `POST /models`.
 */
async function main(): Promise<void> {
  const server = await startModelServer(modelServerOptionsFromEnv(process.env));
  console.log(JSON.stringify({ service: "model-server", message: "listening", port: server.port }));
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e: Error) => {
  console.error(JSON.stringify({ service: "model-server", level: "ERROR", message: e.message }));
  process.exit(1);
});
