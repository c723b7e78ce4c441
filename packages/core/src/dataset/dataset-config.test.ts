import { describe, expect, it } from "vitest";
import { MyriadError } from "../errors/myriad-error.ts";
import { parseDatasetConfig } from "./dataset-config.ts";

describe("parseDatasetConfig", () => {
  it("fills the defaults of an absent or empty _dataset.json", () => {
    for (const json of [undefined, {}]) {
      expect(parseDatasetConfig(json)).toEqual({
        aggregation: "sum",
        quantiles: [0.1, 0.5, 0.9],
        columns: { customerId: "customer_id", timestamp: "timestamp", value: "consumption" },
        toleratedFailurePercentage: 10,
      });
    }
  });

  it("sorts and dedupes quantiles and takes a tolerated failure percentage from 0 to 100", () => {
    const config = parseDatasetConfig({ quantiles: [0.9, 0.1, 0.9], toleratedFailurePercentage: 0 });
    expect(config.quantiles).toEqual([0.1, 0.9]);
    expect(config.toleratedFailurePercentage).toBe(0);
  });

  it.each([
    { toleratedFailurePercentage: 101 },
    { toleratedFailurePercentage: -1 },
    { quantiles: [1] },
    { frequency: "2H" },
    { unknown: true },
  ])("rejects %j with invalid_dataset_config", (json) => {
    const error = (() => {
      try {
        parseDatasetConfig(json);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MyriadError);
    expect(error).toMatchObject({ code: "invalid_dataset_config" });
  });
});
