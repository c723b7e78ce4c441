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
        retrain: "always",
        anomalies: "flag",
      });
    }
  });

  it("takes a retraining policy and an anomaly handling, and refuses others", () => {
    const config = parseDatasetConfig({ retrain: "drift", anomalies: "exclude" });
    expect(config).toMatchObject({ retrain: "drift", anomalies: "exclude" });
    expect(() => parseDatasetConfig({ retrain: "sometimes" })).toThrow(/retrain/);
    expect(() => parseDatasetConfig({ anomalies: "drop" })).toThrow(/anomalies/);
  });

  it("sorts and dedupes quantiles and takes a tolerated failure percentage from 0 to 100", () => {
    const config = parseDatasetConfig({ quantiles: [0.9, 0.1, 0.9], toleratedFailurePercentage: 0 });
    expect(config.quantiles).toEqual([0.1, 0.9]);
    expect(config.toleratedFailurePercentage).toBe(0);
  });

  it("normalizes holidays: one code, a list, custom dates, or a mix", () => {
    expect(parseDatasetConfig({ holidays: "us" }).holidays).toEqual({ countries: ["US"], dates: [] });
    expect(parseDatasetConfig({ holidays: ["DE-BY", "US", "US"] }).holidays).toEqual({
      countries: ["DE-BY", "US"],
      dates: [],
    });
    expect(
      parseDatasetConfig({ holidays: ["US", { countries: "DE-BY", dates: ["2026-12-31", "2026-12-24"] }] })
        .holidays,
    ).toEqual({ countries: ["DE-BY", "US"], dates: ["2026-12-24", "2026-12-31"] });
  });

  it("reads related settings: fields, aggregation per field or for all, key columns", () => {
    const config = parseDatasetConfig({
      related: { fields: ["temperature"], aggregation: { rain: "sum" }, keys: { weather: "region" } },
    });
    expect(config.related).toEqual({
      fields: ["temperature"],
      aggregation: { rain: "sum" },
      keys: { weather: "region" },
    });
    expect(parseDatasetConfig({ related: { aggregation: "max" } }).related?.aggregation).toEqual({
      "*": "max",
    });
  });

  it.each([
    [{ holidays: "United States" }, /not an ISO 3166 code/],
    [{ holidays: { dates: ["2026-13-01"] } }, /"2026-13-01" is not a date as YYYY-MM-DD/],
    [{ holidays: { country: "US" } }, /unknown key "country"/],
    [{ holidays: null }, /holidays must be a code/],
    [
      { related: { aggregation: { rain: "median" } } },
      /"mean"\|"sum"\|"min"\|"max"[\s\S]*related\.aggregation\.rain/,
    ],
    [{ related: { aggregation: "median" } }, /related\.aggregation/],
    [{ related: { field: ["temperature"] } }, /"field"[\s\S]*at related/],
  ])("rejects drivers settings %j with a message naming the problem", (json, message) => {
    expect(() => parseDatasetConfig(json)).toThrow(message);
    expect(() => parseDatasetConfig(json)).toThrow(MyriadError);
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
