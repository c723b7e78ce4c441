import { describe, expect, it } from "vitest";
import { modelServerOptionsFromEnv } from "./env.ts";

describe("modelServerOptionsFromEnv", () => {
  it("listens on 8080 on every interface unless SageMaker asks for another port", () => {
    expect(modelServerOptionsFromEnv({})).toMatchObject({ port: 8080, host: "0.0.0.0", workers: {} });
    expect(modelServerOptionsFromEnv({ SAGEMAKER_BIND_TO_PORT: "9001" }).port).toBe(9001);
  });

  it("reads the memory budget, model cap and worker settings", () => {
    const options = modelServerOptionsFromEnv({
      MYRIAD_MODEL_MEMORY_BYTES: "1048576",
      MYRIAD_MAX_MODELS: "50",
      MYRIAD_MAX_WORKERS: "2",
      MYRIAD_BATCH_SIZE: "8",
    });
    expect(options).toMatchObject({
      memoryBudgetBytes: 1_048_576,
      maxModels: 50,
      workers: { maxWorkers: 2, batchSize: 8 },
    });
  });

  it("refuses values that are not non-negative integers", () => {
    expect(() => modelServerOptionsFromEnv({ SAGEMAKER_BIND_TO_PORT: "eighty" })).toThrow(
      /SAGEMAKER_BIND_TO_PORT/,
    );
    expect(() => modelServerOptionsFromEnv({ MYRIAD_MAX_MODELS: "-1" })).toThrow(/MYRIAD_MAX_MODELS/);
  });
});
