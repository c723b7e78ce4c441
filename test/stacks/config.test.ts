import { describe, expect, it } from "vitest";
import { readMyriadConfig } from "../../stacks/config.ts";

describe("deploy configuration", () => {
  it("starts from the stage's defaults", () => {
    expect(readMyriadConfig("dev", {})).toMatchObject({
      trainingBackend: "sagemaker",
      endpointMinInstances: 1,
      retain: false,
    });
    expect(readMyriadConfig("prod", {})).toMatchObject({
      endpointMinInstances: 2,
      endpointMaxInstances: 8,
      retain: true,
    });
  });

  it("applies MYRIAD_* overrides and validates them", () => {
    const config = readMyriadConfig("dev", {
      MYRIAD_TRAINING_BACKEND: "forecast",
      MYRIAD_TRAINING_INSTANCE_TYPE: "ml.c5.2xlarge",
      MYRIAD_TRAINING_INSTANCE_COUNT: "4",
      MYRIAD_ENDPOINT_MAX_INSTANCES: "6",
    });
    expect(config).toMatchObject({
      trainingBackend: "forecast",
      forecastEnabled: true,
      trainingInstanceType: "ml.c5.2xlarge",
      trainingInstanceCount: 4,
      endpointMaxInstances: 6,
    });
    expect(() => readMyriadConfig("dev", { MYRIAD_TRAINING_BACKEND: "gpu" })).toThrow(
      /MYRIAD_TRAINING_BACKEND/,
    );
    expect(() => readMyriadConfig("dev", { MYRIAD_ENDPOINT_MIN_INSTANCES: "3" })).toThrow(/min ≤ max/);
    expect(() => readMyriadConfig("dev", { MYRIAD_TRAINING_INSTANCE_COUNT: "x" })).toThrow(
      /must be a number/,
    );
  });

  it("preprocesses in the Lambda below 3 GiB unless MYRIAD_PREPROCESS_* says otherwise", () => {
    expect(readMyriadConfig("dev", {})).toMatchObject({
      preprocessMode: "auto",
      preprocessMaxLambdaBytes: 3 * 1024 ** 3,
    });
    expect(
      readMyriadConfig("prod", {
        MYRIAD_PREPROCESS_MODE: "processing",
        MYRIAD_PREPROCESS_MAX_LAMBDA_BYTES: "1000",
        MYRIAD_PREPROCESS_INSTANCE_TYPE: "ml.c5.xlarge",
      }),
    ).toMatchObject({
      preprocessMode: "processing",
      preprocessMaxLambdaBytes: 1000,
      preprocessInstanceType: "ml.c5.xlarge",
    });
    expect(() => readMyriadConfig("dev", { MYRIAD_PREPROCESS_MODE: "batch" })).toThrow(
      /MYRIAD_PREPROCESS_MODE/,
    );
  });
});
