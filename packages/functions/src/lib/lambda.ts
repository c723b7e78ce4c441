import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { runState, type StateHandler } from "./run-state.ts";

let ports: Promise<Ports> | undefined;
let logger: Logger | undefined;
let metrics: Metrics | undefined;

/**
 * The one wrapper for every Lambda handler. On the first invocation it builds the AWS ports;
 * on each it sets log keys, records the pipeline state's attempt when `state` is given, flushes
 * EMF metrics and rethrows errors with their name intact (Step Functions' Retry and Catch
 * match on the error name). Importing a handler has no side effects.
 */
export function lambda<I, O>(state: string | undefined, run: StateHandler<I, O>) {
  return async (event: I, context?: Context): Promise<O> => {
    logger ??= new Logger({ serviceName: "myriad" });
    metrics ??= new Metrics({ namespace: "Myriad", serviceName: "myriad" });
    ports ??= import("../aws/ports.ts").then((m) => m.createAwsPorts());
    if (context) logger.addContext(context);
    const input = event as Partial<PipelineState>;
    logger.appendKeys({ runId: input.runId, dataset: input.dataset, state });
    const started = performance.now();
    try {
      const p = await ports;
      const result = state
        ? ((await runState(
            state,
            run as unknown as StateHandler<PipelineState, O>,
            event as PipelineState,
            p,
          )) as O)
        : await run(event, p);
      logger.info("done", { durationMs: Math.round(performance.now() - started) });
      return result;
    } catch (e) {
      logger.error("failed", e as Error);
      metrics.addMetric("HandlerErrors", MetricUnit.Count, 1);
      throw e;
    } finally {
      metrics.addMetric("HandlerDuration", MetricUnit.Milliseconds, performance.now() - started);
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
