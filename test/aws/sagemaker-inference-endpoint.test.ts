import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import {
  emfMetricSink,
  SageMakerInferenceEndpoint,
} from "@myriad/functions/aws/sagemaker-inference-endpoint";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";

const runtime = mockClient(SageMakerRuntimeClient);
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)) as never;
/** A recorded InvokeEndpoint answer of the model server. */
const ANSWER = {
  model: { algorithm: "SeasonalNaive", version: "20240101T000000Z-01234567" },
  points: [{ timestamp: "2024-01-08T00:00:00.000Z", mean: 4.2, p10: 3.1, p50: 4.2, p90: 5.3 }],
};
const modelError = (status: number, message: string) =>
  Object.assign(new Error("Received client error (404) from primary"), {
    name: "ModelError",
    OriginalStatusCode: status,
    OriginalMessage: message,
  });

describe("SageMakerInferenceEndpoint", () => {
  beforeEach(() => runtime.reset());
  const endpoint = (concurrency = 8) =>
    new SageMakerInferenceEndpoint(
      new SageMakerRuntimeClient({ region: "us-east-1" }),
      "test-myriad-models",
      concurrency,
    );

  it("invokes the target model with a JSON body", async () => {
    runtime.on(InvokeEndpointCommand).resolves({ Body: encode(ANSWER), ContentType: "application/json" });
    const out = await endpoint().invoke("sales/c1/v1.tar.gz", { horizon: 1, quantiles: [0.1, 0.5, 0.9] });
    expect(out).toEqual(ANSWER);
    const input = runtime.commandCalls(InvokeEndpointCommand)[0].args[0].input;
    expect(input).toMatchObject({
      EndpointName: "test-myriad-models",
      TargetModel: "sales/c1/v1.tar.gz",
      ContentType: "application/json",
    });
    expect(JSON.parse(new TextDecoder().decode(input.Body as Uint8Array))).toEqual({
      horizon: 1,
      quantiles: [0.1, 0.5, 0.9],
    });
  });

  it("keeps the container's 4xx status (unknown model → 404) and passes throttling through", async () => {
    runtime
      .on(InvokeEndpointCommand, { TargetModel: "nope.tar.gz" })
      .rejects(modelError(404, "model not found"));
    runtime
      .on(InvokeEndpointCommand, { TargetModel: "busy.tar.gz" })
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const e = await endpoint()
      .invoke("nope.tar.gz", { horizon: 1 })
      .catch((err) => err);
    expect(e).toBeInstanceOf(MyriadError);
    expect(e).toMatchObject({ status: 404, code: "model_not_found" });
    await expect(endpoint().invoke("busy.tar.gz", { horizon: 1 })).rejects.toMatchObject({
      name: "ThrottlingException",
    });
  });

  it("warms every target once with a one-step invoke, bounded, counting failures", async () => {
    let inFlight = 0;
    let peak = 0;
    runtime.on(InvokeEndpointCommand).callsFake(async (input: { TargetModel: string }) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (input.TargetModel.startsWith("bad")) throw modelError(507, "out of memory");
      return { Body: encode(ANSWER) };
    });
    const targets = [...Array.from({ length: 10 }, (_, i) => `sales/c${i}/v.tar.gz`), "bad/c/v.tar.gz"];
    expect(await endpoint(3).warm(targets)).toEqual({ loaded: 10, failed: 1 });
    expect(peak).toBeLessThanOrEqual(3);
    const bodies = runtime
      .commandCalls(InvokeEndpointCommand)
      .map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Body as Uint8Array)));
    expect(bodies.every((b) => b.horizon === 1)).toBe(true);
    expect(await endpoint().warm([])).toEqual({ loaded: 0, failed: 0 });
  });
});

describe("SageMakerInferenceEndpoint metrics", () => {
  beforeEach(() => runtime.reset());

  it("counts invokes and errors by SageMaker's names and reports latency percentiles", async () => {
    const emitted: [string, string, number][] = [];
    const endpoint = new SageMakerInferenceEndpoint(
      new SageMakerRuntimeClient({ region: "us-east-1" }),
      "test-myriad-models",
      2,
      (name, unit, value) => emitted.push([name, unit, value]),
    );
    runtime
      .on(InvokeEndpointCommand)
      .resolvesOnce({ Body: encode(ANSWER) })
      .rejectsOnce(modelError(404, "no such model"));
    await endpoint.invoke("sales/c1/v1.tar.gz", { horizon: 1 });
    await expect(endpoint.invoke("sales/c2/v1.tar.gz", { horizon: 1 })).rejects.toThrow();
    const m = endpoint.metrics() as {
      Invocations: number;
      Invocation4XXErrors: number;
      ModelLatency: { count: number; p50: number };
    };
    expect(m.Invocations).toBe(2);
    expect(m.Invocation4XXErrors).toBe(1);
    expect(m.ModelLatency.count).toBe(1);
    expect(m.ModelLatency.p50).toBeGreaterThanOrEqual(0);
    expect(emitted.map(([name]) => name)).toEqual([
      "Invocations",
      "ModelLatency",
      "Invocations",
      "Invocation4XXErrors",
    ]);
  });

  it("writes each metric as CloudWatch EMF with the endpoint as dimension", () => {
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const log = console.log;
    console.log = (line: string) => lines.push(String(line));
    try {
      emfMetricSink("test-myriad-models")("ModelLatency", "Milliseconds", 12.5);
    } finally {
      process.stdout.write = original;
      console.log = log;
    }
    const emf = JSON.parse(lines.find((l) => l.includes("_aws")) ?? "{}");
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "Myriad",
      Metrics: [{ Name: "ModelLatency", Unit: "Milliseconds" }],
    });
    expect(emf._aws.CloudWatchMetrics[0].Dimensions[0]).toContain("EndpointName");
    expect(emf.EndpointName).toBe("test-myriad-models");
    expect(emf.ModelLatency).toBe(12.5);
  });
});
