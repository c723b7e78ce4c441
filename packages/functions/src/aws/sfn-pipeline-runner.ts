import { RedriveExecutionCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { RedrivePlan } from "@myriad/core/pipeline/redrive";
import type { PipelineRunner, RunInput, StartedRun } from "@myriad/core/ports/pipeline-runner";

/** The slice of SFNClient this adapter uses. */
export type SfnSlice = Pick<SFNClient, "send">;

/**
 * Starts executions of the pipeline state machine. The execution name is the runId, so a
 * duplicate S3 event cannot start a second run: Step Functions answers ExecutionAlreadyExists
 * for a name used in the last 90 days with a closed execution or a different input, which
 * becomes `{ started: false }`. A repeat with the same input while the first is still running
 * returns the original execution (Step Functions' idempotent start); callers key the run by
 * runId, so that repeat is harmless too.
 *
 * Names allow 1–80 characters from `[A-Za-z0-9_-]` (and a few more); other runIds are
 * rejected by Step Functions with ValidationException, which is rethrown.
 */
export class SfnPipelineRunner implements PipelineRunner {
  readonly #sfn: SfnSlice;
  readonly #stateMachineArn: string;

  constructor(sfn: SfnSlice, stateMachineArn: string) {
    this.#sfn = sfn;
    this.#stateMachineArn = stateMachineArn;
  }

  async start(input: RunInput): Promise<StartedRun> {
    try {
      const out = await this.#sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name: input.runId,
          input: JSON.stringify(input),
        }),
      );
      return {
        runId: input.runId,
        started: true,
        executionArn: out.executionArn ?? this.executionArn(input.runId),
      };
    } catch (e) {
      if ((e as Error).name === "ExecutionAlreadyExists") return { runId: input.runId, started: false };
      throw e;
    }
  }

  /** The execution's ARN: the state machine's with `execution` for `stateMachine`, then the name. */
  executionArn(runId: string): string {
    return `${this.#stateMachineArn.replace(":stateMachine:", ":execution:")}:${runId}`;
  }

  /**
   * Step Functions redrives the execution itself from its failed state, with the state it
   * kept, so the plan rebuilt from the registry is not needed here.
   */
  async redrive(plan: RedrivePlan): Promise<void> {
    await this.#sfn.send(new RedriveExecutionCommand({ executionArn: this.executionArn(plan.input.runId) }));
  }
}
