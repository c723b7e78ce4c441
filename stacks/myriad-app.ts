import type { App } from "sst/constructs";
import { Api } from "./Api.ts";
import { type MyriadConfig, setMyriadConfig } from "./config.ts";
import { Database } from "./Database.ts";
import { Inference } from "./Inference.ts";
import { checkAwsSolutions } from "./nag.ts";
import { Pipeline } from "./Pipeline.ts";
import { Storage } from "./Storage.ts";
import { suppressAcceptedFindings } from "./suppressions.ts";

/**
 * The whole app, in dependency order: sst.config.ts calls this, and so does the stack test,
 * so both build the same thing. Every Lambda defaults to Node.js 22 (see handler-function.ts);
 * cdk-nag's AwsSolutions checks run on every synthesis.
 */
export function myriadApp(app: App, config: MyriadConfig): void {
  setMyriadConfig(app, config);
  app.stack(Database).stack(Storage).stack(Inference).stack(Pipeline).stack(Api);
  suppressAcceptedFindings(app);
  checkAwsSolutions(app);
}
