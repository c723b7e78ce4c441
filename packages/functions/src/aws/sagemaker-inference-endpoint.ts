import { InvokeEndpointCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { InferenceEndpoint, InvokeRequest, InvokeResponse } from "@myriad/core/ports/inference-endpoint";
import { mapLimit } from "./map-limit.ts";

/** The slice of SageMakerRuntimeClient this adapter uses. */
export type SageMakerRuntimeSlice = Pick<SageMakerRuntimeClient, "send">;

/** Horizon of the invocation that loads a model during warm: one step is enough to load it. */
const WARM_HORIZON = 1;

/**
 * The SageMaker multi-model endpoint. `targetModel` is the artifact's key relative to the
 * model's ModelDataUrl (`models/`), e.g. `sales/c-17/20240101T000000Z.tar.gz`. The first
 * invocation of a target makes the endpoint download and load it; `warm` does that ahead of
 * users with a one-step forecast per target, `concurrency` at a time.
 */
export class SageMakerInferenceEndpoint implements InferenceEndpoint {
  readonly #runtime: SageMakerRuntimeSlice;
  readonly #endpointName: string;
  readonly #concurrency: number;

  constructor(runtime: SageMakerRuntimeSlice, endpointName: string, concurrency = 8) {
    this.#runtime = runtime;
    this.#endpointName = endpointName;
    this.#concurrency = concurrency;
  }

  async invoke(targetModel: string, request: InvokeRequest): Promise<InvokeResponse> {
    try {
      const out = await this.#runtime.send(
        new InvokeEndpointCommand({
          EndpointName: this.#endpointName,
          TargetModel: targetModel,
          ContentType: "application/json",
          Accept: "application/json",
          Body: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
      return JSON.parse(new TextDecoder().decode(out.Body)) as InvokeResponse;
    } catch (e) {
      throw mapInvokeError(e, targetModel);
    }
  }

  async warm(targetModels: string[]): Promise<{ loaded: number; failed: number }> {
    const outcomes = await mapLimit(targetModels, this.#concurrency, async (target) => {
      try {
        await this.invoke(target, { horizon: WARM_HORIZON });
        return true;
      } catch {
        return false;
      }
    });
    const loaded = outcomes.filter(Boolean).length;
    return { loaded, failed: outcomes.length - loaded };
  }
}

/**
 * The container's 4xx answers come back as ModelError with `OriginalStatusCode`; they keep
 * their status (404 unknown model, 400 bad request). Throttling and the rest stay as they are.
 */
function mapInvokeError(e: unknown, targetModel: string): unknown {
  const err = e as { name?: string; OriginalStatusCode?: number; OriginalMessage?: string; message?: string };
  if (err.name === "ModelError" && err.OriginalStatusCode && err.OriginalStatusCode < 500) {
    const status = err.OriginalStatusCode;
    const code = status === 404 ? "model_not_found" : "model_error";
    return new MyriadError(
      status,
      code,
      err.OriginalMessage ?? err.message ?? `model ${targetModel} failed`,
      {
        targetModel,
      },
    );
  }
  if (err.name === "ModelNotReadyException") {
    return new MyriadError(503, "model_not_ready", `model ${targetModel} is loading; retry shortly`, {
      targetModel,
    });
  }
  return e;
}
