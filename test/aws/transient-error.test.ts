import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ForecastClient, ListDatasetsCommand } from "@aws-sdk/client-forecast";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { RETRY_ERRORS } from "@myriad/core/pipeline/state-machine";
import { isTransientAwsError } from "@myriad/functions/aws/transient-error";
import { lambda } from "@myriad/functions/lib/lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

/**
 * Throttles and server failures as the services send them, parsed by the real AWS SDK clients
 * from a local HTTP server: S3 "SlowDown" is a 503 with an XML error body (Amazon S3 API
 * Reference, "Error responses"); SageMaker and Amazon Forecast speak JSON 1.1 and throttle with
 * 400 `ThrottlingException` (SageMaker API Reference and Forecast Developer Guide, "Common
 * Errors"); Forecast's `LimitExceededException` is an account quota (Forecast API Reference),
 * which waiting does not lift. The SDK retries these itself first ("Retry behavior", AWS SDKs
 * and Tools Reference Guide); what outlives its retries must leave the Lambda as an error named
 * `TransientError`, which the state machine's Retry matches (Step Functions Developer Guide,
 * "Handling errors in Step Functions workflows": Retry matches the error name).
 */
type Reply = { status: number; headers: Record<string, string>; body: string };
const replies = new Map<string, Reply>();
let requests = 0;
let endpoint = "";

const json = (status: number, type: string, message: string): Reply => ({
  status,
  headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type },
  body: JSON.stringify({ __type: type, message }),
});

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  requests++;
  req.resume();
  req.on("end", () => {
    const key = String(req.headers["x-amz-target"] ?? new URL(req.url ?? "/", endpoint).pathname);
    const reply = replies.get(key) ?? { status: 500, headers: {}, body: `no reply for ${key}` };
    res.writeHead(reply.status, reply.headers).end(reply.body);
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const options = () => ({
  region: "us-east-1",
  endpoint,
  maxAttempts: 2,
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
});

/** What the Lambda wrapper makes of the error this call raises. */
async function handlerError(call: () => Promise<unknown>): Promise<Error> {
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const main = lambda(undefined, [], call);
    return await main({}).then(
      () => {
        throw new Error("expected the call to fail");
      },
      (e: Error) => e,
    );
  } finally {
    vi.restoreAllMocks();
  }
}

describe("AWS throttling leaves a handler as TransientError", () => {
  it("S3 SlowDown (503, XML), after the SDK's own retries", async () => {
    replies.set("/bucket/key", {
      status: 503,
      headers: { "content-type": "application/xml" },
      body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    });
    const s3 = new S3Client({ ...options(), forcePathStyle: true });
    requests = 0;
    const raw = await s3.send(new GetObjectCommand({ Bucket: "bucket", Key: "key" })).catch((e) => e);
    expect(raw.name).toBe("SlowDown");
    expect(isTransientAwsError(raw)).toBe(true);
    expect(requests).toBe(2); // the SDK retried once (maxAttempts 2)
    const e = await handlerError(() => s3.send(new GetObjectCommand({ Bucket: "bucket", Key: "key" })));
    expect(e.name).toBe("TransientError");
    expect(e.message).toMatch(/^SlowDown: /);
    expect(RETRY_ERRORS).toContain(e.name);
  });

  it("SageMaker ThrottlingException (400, JSON)", async () => {
    replies.set("SageMaker.DescribeTrainingJob", json(400, "ThrottlingException", "Rate exceeded"));
    const sagemaker = new SageMakerClient(options());
    const e = await handlerError(() =>
      sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "j" })),
    );
    expect(e).toMatchObject({ name: "TransientError", message: "ThrottlingException: Rate exceeded" });
    expect((e.cause as Error).name).toBe("ThrottlingException");
  });

  it("Forecast ThrottlingException is retried; LimitExceededException (a quota) and validation errors are not", async () => {
    const forecast = new ForecastClient(options());
    const list = () => forecast.send(new ListDatasetsCommand({}));
    replies.set("AmazonForecast.ListDatasets", json(400, "ThrottlingException", "Rate exceeded"));
    expect((await handlerError(list)).name).toBe("TransientError");
    replies.set(
      "AmazonForecast.ListDatasets",
      json(400, "LimitExceededException", "You have reached the maximum number of datasets"),
    );
    expect((await handlerError(list)).name).toBe("LimitExceededException");
    replies.set("AmazonForecast.ListDatasets", json(400, "InvalidInputException", "bad"));
    expect((await handlerError(list)).name).toBe("InvalidInputException");
    // A server failure the SDK gave up on is worth another attempt of the state too.
    replies.set("AmazonForecast.ListDatasets", json(500, "InternalServiceError", "oops"));
    expect((await handlerError(list)).name).toBe("TransientError");
  });

  it("leaves errors that are not from AWS alone", async () => {
    const e = await handlerError(async () => {
      throw Object.assign(new Error("no rows"), { name: "no_valid_rows" });
    });
    expect(e.name).toBe("no_valid_rows");
  });
});
