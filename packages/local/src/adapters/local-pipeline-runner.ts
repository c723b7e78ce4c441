import {
  ExecutionAbortedError,
  ExecutionError,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import type { PipelineRunner, RunInput, StartedRun } from "@myriad/core/ports/pipeline-runner";
import type { Db } from "@myriad/core/ports/database";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { executionFailure } from "@myriad/core/pipeline/execution-failure";
import type { RedrivePlan } from "@myriad/core/pipeline/redrive";
import {
  SHARD_TASKS,
  type ShardTaskState,
  STATE_MACHINE,
  substituteDefinition,
  TASK_FUNCTIONS,
  type TaskState,
} from "@myriad/core/pipeline/state-machine";
import { closeOpenStates, finishRun } from "@myriad/core/registry/runs";

// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks.
if (!("withResolvers" in Promise)) {
  Object.assign(Promise, {
    withResolvers<T>() {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/**
 * A stand-in function ARN per task, so the document validates as it does in AWS, and a bucket
 * name for TrainShards' ResultWriter, which the interpreter accepts and does not act on.
 */
const LOCAL_SUBSTITUTIONS = {
  ...Object.fromEntries(
    Object.entries(TASK_FUNCTIONS).map(([state, name]) => [
      name,
      `arn:aws:lambda:local:000000000000:function:myriad-${state.toLowerCase()}`,
    ]),
  ),
  BucketName: "myriad-local",
};

/** Every Task state of the document by name, those inside TrainShards' map included. */
const TASK_STATES = [...Object.keys(TASK_FUNCTIONS), ...Object.keys(SHARD_TASKS)] as (
  | TaskState
  | ShardTaskState
)[];

/** A Task's handler; a TrainShard's input is a TrainShards item rather than the pipeline state. */
export type TaskHandler = (state: TaskState | ShardTaskState, input: PipelineState) => Promise<unknown>;

/**
 * Runs the pipeline's ASL with aws-local-stepfunctions, each Task mapped by state name to the
 * handler Lambda runs. Runs of one dataset execute one after another in upload order (so
 * incremental uploads merge in a defined order); datasets run independently.
 */
export class LocalPipelineRunner implements PipelineRunner {
  readonly #definition = withLocalMapConcurrency(
    withoutTaskTimeouts(substituteDefinition(STATE_MACHINE, LOCAL_SUBSTITUTIONS) as StateMachineDefinition),
  );
  readonly #machines = new Map<string, StateMachine>([
    [this.#definition.StartAt, new StateMachine(this.#definition)],
  ]);
  readonly #queues = new Map<string, Promise<void>>();
  readonly #running = new Set<Promise<void>>();
  readonly #aborts = new Map<string, () => void>();
  readonly #db: Db;
  readonly #handle: TaskHandler;
  readonly #retryIntervalMs: number | undefined;
  readonly #waitMs: number;
  #stopping = false;

  /**
   * `retryIntervalMs` replaces Retry's backoff and `waitMs` the WaitForPreprocess and
   * WaitForTraining pauses (60 s in AWS; WaitForTraining is inside TrainShards' map, where the
   * interpreter's overrides reach too); the embedded stack never waits on a remote job, so the
   * pauses only matter in tests. The interpreter runs the Distributed Map's iterations inline,
   * MaxConcurrency at a time; it ignores ToleratedFailurePercentage (one failed iteration fails
   * the map), which is the document's 0 anyway. Unlike Step Functions, which stops starting
   * child executions, it fails the map only once every iteration has run, those queued beyond
   * MaxConcurrency included: the other shards train before the run fails, and a redrive
   * retrains only the failed one (the others' results exist).
   */
  constructor(options: { db: Db; handle: TaskHandler; retryIntervalMs?: number; waitMs?: number }) {
    this.#db = options.db;
    this.#handle = options.handle;
    this.#retryIntervalMs = options.retryIntervalMs;
    this.#waitMs = options.waitMs ?? 1000;
  }

  async start(input: RunInput): Promise<StartedRun> {
    this.#enqueue(input, this.#definition.StartAt);
    return { runId: input.runId, started: true };
  }

  /**
   * Runs the document again from the plan's state (the one that did not succeed, where Step
   * Functions' redrive resumes) with the plan's input rebuilt from the recorded results.
   */
  async redrive(plan: RedrivePlan): Promise<void> {
    this.#enqueue(plan.input, plan.startAt);
  }

  #enqueue(input: PipelineState, startAt: string): void {
    const previous = this.#queues.get(input.dataset) ?? Promise.resolve();
    const run = previous.then(() => this.#execute(input, startAt));
    this.#queues.set(input.dataset, run);
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  /** The state machine starting at `startAt`: the same document, another StartAt. */
  #machine(startAt: string): StateMachine {
    let machine = this.#machines.get(startAt);
    if (!machine) {
      // Validation would reject the states before `startAt` as unreachable; the document itself
      // was validated whole when the runner was built.
      machine = new StateMachine(
        { ...this.#definition, StartAt: startAt },
        startAt === this.#definition.StartAt ? {} : { validationOptions: { noValidate: true } },
      );
      this.#machines.set(startAt, machine);
    }
    return machine;
  }

  /** Resolves when every started run has ended. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /**
   * Aborts the runs under way and those still queued behind them (their status becomes ABORTED,
   * so they can be redriven) and waits for them to stop.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const abort of this.#aborts.values()) abort();
    await this.idle();
  }

  async #execute(input: PipelineState, startAt: string): Promise<void> {
    if (this.#stopping) {
      await finishRun(this.#db, input.runId, "ABORTED", {
        error: "ExecutionAborted",
        cause: "the embedded stack stopped before the run started",
      });
      return;
    }
    const handlers = Object.fromEntries(
      TASK_STATES.map((state) => [state, (event: unknown) => this.#handle(state, event as PipelineState)]),
    );
    const retryOverrides =
      this.#retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(TASK_STATES.map((state) => [state, this.#retryIntervalMs as number]));
    const execution = this.#machine(startAt).run(input as unknown as Record<string, string>, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: { WaitForPreprocess: this.#waitMs, WaitForTraining: this.#waitMs },
        ...(retryOverrides ? { retryIntervalOverrides: retryOverrides } : {}),
      },
    });
    this.#aborts.set(input.runId, execution.abort);
    try {
      await execution.result;
      await finishRun(this.#db, input.runId, "SUCCEEDED");
    } catch (e) {
      if (e instanceof ExecutionAbortedError) {
        // The handler of the state under way is not stopped by the abort and may never return
        // (the stack is closing): its attempt ends here, so the run lists no RUNNING state.
        const at = new Date();
        const [state] = await closeOpenStates(
          this.#db,
          input.runId,
          "Aborted: the embedded stack stopped during this state",
          at,
        );
        await finishRun(
          this.#db,
          input.runId,
          "ABORTED",
          {
            error: "ExecutionAborted",
            cause: `the embedded stack stopped${state ? ` during ${state}` : ""}`,
          },
          at,
        );
      } else {
        // The interpreter wraps the failing state's error; the run records that error, as
        // on-run-status records the execution's error and cause in AWS.
        const failed = (e instanceof ExecutionError ? e.cause : e) as Error;
        await finishRun(
          this.#db,
          input.runId,
          "FAILED",
          executionFailure(failed.name, failed.message, "States.Runtime"),
        );
      }
    } finally {
      this.#aborts.delete(input.runId);
    }
  }
}

/**
 * Shards the embedded stack trains at once. In AWS each of the Map's 100 concurrent shards is
 * its own Lambda; here every shard shares one process and its training pool, so more shards in
 * flight than keep the pool busy only hold more results (with their forecasts, about 20 KB a
 * customer) in memory at once: 100 shards of 250 customers would be half a gigabyte.
 */
export const LOCAL_MAP_CONCURRENCY = 4;

/** The document with each Map's MaxConcurrency lowered to {@link LOCAL_MAP_CONCURRENCY}. */
export function withLocalMapConcurrency<D extends Pick<StateMachineDefinition, "States">>(definition: D): D {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) =>
      state.Type === "Map" ? [name, { ...state, MaxConcurrency: LOCAL_MAP_CONCURRENCY }] : [name, state],
    ),
  );
  return { ...definition, States: states as D["States"] };
}

/**
 * aws-local-stepfunctions ends any Task after 60 s when the document sets no TimeoutSeconds;
 * Step Functions' own default is none (Lambda's timeout bounds it). A week keeps local runs of
 * any size alive, as in AWS, Tasks inside a Map's ItemProcessor included.
 */
export function withoutTaskTimeouts<D extends Pick<StateMachineDefinition, "States">>(definition: D): D {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      if (state.Type === "Task" && !("TimeoutSeconds" in state))
        return [name, { ...state, TimeoutSeconds: 7 * 24 * 3600 }];
      if (state.Type === "Map" && "ItemProcessor" in state && state.ItemProcessor)
        return [name, { ...state, ItemProcessor: withoutTaskTimeouts(state.ItemProcessor) }];
      return [name, state];
    }),
  );
  return { ...definition, States: states as D["States"] };
}
