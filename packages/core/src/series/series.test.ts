import { describe, expect, it } from "vitest";
import { encodeSeriesCsv } from "../ingest/series-csv.ts";
import { type RegularSeries, seriesFromCsv, seriesFromCsvBytes, seriesToCsv } from "./series.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("reading data.csv from its bytes", () => {
  it("gives exactly the series the string parser gives, gaps and awkward values included", () => {
    const values = Float64Array.from({ length: 500 }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e3);
    values[3] = Number.NaN;
    values[4] = -0.5;
    values[5] = 1e-7;
    values[6] = 0.1 + 0.2; // 17 significant digits: past the fast path
    values[7] = 123456.78901234567;
    values[8] = 0;
    const series: RegularSeries = { start: Date.UTC(2026, 0, 5), frequency: "H", values };
    for (const file of [encodeSeriesCsv(series), bytes(seriesToCsv(series))]) {
      const parsed = seriesFromCsvBytes(file, "H");
      expect(parsed.start).toBe(series.start);
      expect(Array.from(parsed.values)).toEqual(Array.from(values));
      expect(parsed).toEqual(seriesFromCsv(new TextDecoder().decode(file), "H"));
    }
  });

  it("reads rows in other forms through Date.parse and Number", () => {
    const file = bytes(
      "timestamp,value\n2026-01-01,5\n2026-01-02T00:00:00Z,1e3\n2026-01-03T00:00:00.000Z,7.25\n2026-01-05T00:00:00.000Z,-.5",
    );
    const parsed = seriesFromCsvBytes(file, "D");
    expect(parsed.start).toBe(Date.UTC(2026, 0, 1));
    expect(Array.from(parsed.values)).toEqual([5, 1000, 7.25, Number.NaN, -0.5]);
    expect(seriesFromCsvBytes(bytes("timestamp,value\n"), "D").values).toHaveLength(0);
  });
});
