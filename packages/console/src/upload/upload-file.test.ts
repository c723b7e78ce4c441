import { describe, expect, it } from "vitest";
import { safeFileName } from "./upload-file.ts";

describe("upload file names", () => {
  it("keeps names the API accepts", () => {
    expect(safeFileName("readings-2026-11.csv.gz")).toBe("readings-2026-11.csv.gz");
    expect(safeFileName("meters_eu.csv")).toBe("meters_eu.csv");
  });

  it("replaces characters the API refuses instead of refusing the file", () => {
    expect(safeFileName("Meter readings (Nov).CSV")).toBe("Meter-readings-Nov-.csv");
    expect(safeFileName(".hidden file.csv")).toBe("hidden-file.csv");
    expect(safeFileName("a..b.csv")).toBe("a.b.csv");
    expect(safeFileName("ü.csv")).toBe("upload.csv");
  });

  it("refuses files the pipeline cannot read", () => {
    expect(safeFileName("readings.xlsx")).toBeNull();
    expect(safeFileName("readings.csv.zip")).toBeNull();
  });

  it("keeps long names within the API's 128 characters after the first", () => {
    const name = safeFileName(`${"x".repeat(300)}.csv.gz`)!;
    expect(name.endsWith(".csv.gz")).toBe(true);
    expect(name.length).toBeLessThanOrEqual(129);
  });
});
