import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { asRetryable } from "../aws/transient-error.ts";
import { runState } from "./run-state.ts";

export type PortName = keyof Ports;

/** A wrapped handler, with the ports it declared (the stack tests check its function has their variables). */
export type LambdaHandler<I, O> = ((event: I, context?: Context) => Promise<O>) & {
  readonly ports: readonly PortName[];
};

let logger: Logger | undefined;
let metrics: Metrics | undefined;

/**
 * Powertools takes the service name from POWERTOOLS_SERVICE_NAME (each function's own, set by
 * stacks/handler-function.ts) unless one is passed: none is, so every function logs and emits
 * metrics under its own name, and "service_undefined" outside a deployed function.
 */
function observability() {
  logger ??= new Logger();
  metrics ??= new Metrics({ namespace: "Myriad" });
  return { logger, metrics };
}

/**
 * The one wrapper for every Lambda handler. The handler declares the ports it needs; on the
 * first invocation (the cold start) the wrapper builds exactly those with the AWS wiring, which
 * throws naming each missing environment variable, so a function deployed without its
 * configuration fails at once and says why. A state handler also gets `db`, where its attempt
 * is recorded. On each invocation the wrapper sets log keys, records the pipeline state's
 * attempt when `state` is given, flushes EMF metrics and rethrows errors with their name intact
 * (Step Functions' Retry matches on the error name), except an AWS throttle or server failure
 * that outlived the SDK's retries, which becomes a TransientError the state machine retries.
 * Importing a handler has no side effects.
 */
export function lambda<K extends PortName, I, O>(
  state: string | undefined,
  needs: readonly K[],
  run: (event: I, ports: Pick<Ports, K>) => Promise<O>,
): LambdaHandler<I, O> {
  const names: readonly PortName[] = state ? [...new Set<PortName>([...needs, "db"])] : needs;
  let ports: Pick<Ports, K | "db"> | undefined;
  const handler = async (event: I, context?: Context): Promise<O> => {
    const { logger, metrics } = observability();
    if (context) logger.addContext(context);
    const input = event as Partial<PipelineState>;
    logger.appendKeys({ runId: input.runId, dataset: input.dataset, state });
    const started = performance.now();
    try {
      ports ??= (await import("../aws/ports.ts")).createAwsPorts(names) as Pick<Ports, K | "db">;
      const p = ports;
      const result = state
        ? await runState(state, (i: PipelineState) => run(i as I, p), event as PipelineState, p)
        : await run(event, p);
      logger.info("done", { durationMs: Math.round(performance.now() - started) });
      return result;
    } catch (e) {
      const error = asRetryable(e);
      logger.error("failed", error as Error);
      metrics.addMetric("HandlerErrors", MetricUnit.Count, 1);
      throw error;
    } finally {
      metrics.addMetric("HandlerDuration", MetricUnit.Milliseconds, performance.now() - started);
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
  return Object.assign(handler, { ports: names });
}
