import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { packArtifact } from "@myriad/core/artifact/archive";
import type { ModelArtifact } from "@myriad/core/artifact/model-artifact";
import { Keys, targetModelName } from "@myriad/core/dataset/keys";
import { trainCustomer } from "@myriad/core/forecasting/train-customer";
import type { RegularSeries } from "@myriad/core/series/series";

/** Four weeks of hourly readings with a daily cycle, starting 2026-01-05 (a Monday). */
export function syntheticHourlySeries(hours = 24 * 28): RegularSeries {
  const values = new Float64Array(hours);
  for (let i = 0; i < hours; i++) values[i] = 10 + 5 * Math.sin((2 * Math.PI * i) / 24) + (i % 7) * 0.1;
  return { start: Date.UTC(2026, 0, 5), frequency: "H", values };
}

/**
 * A real artifact, fitted by core's `trainCustomer`, for tests and benchmarks of serving. Train
 * once and use `reversion` for many customers: serving cost depends on the artifact's shape,
 * not on who it belongs to.
 */
export function trainTestArtifact(
  customerId = "c1",
  version = "20260202T000000Z",
  horizon = 24,
): ModelArtifact {
  const dataset = "default";
  return trainCustomer(
    syntheticHourlySeries(),
    {
      dataset,
      customerId,
      version,
      dataKey: Keys.customerData(dataset, customerId),
      modelKey: Keys.model(dataset, customerId, version),
      frequency: "H",
      horizon,
      quantiles: [0.1, 0.5, 0.9],
    },
    new Date("2026-02-02T00:00:00Z"),
  );
}

/** The same fitted model under another customer and version. */
export function reversion(
  artifact: ModelArtifact,
  customerId: string,
  version = artifact.version,
): ModelArtifact {
  return { ...artifact, customerId, version };
}

/** Packs `artifact` to `<dir>/<TargetModel>` and returns the path and the TargetModel name. */
export async function writeTestArtifact(
  dir: string,
  artifact: ModelArtifact,
): Promise<{ path: string; target: string }> {
  const target = targetModelName(artifact.dataset, artifact.customerId, artifact.version);
  const path = join(dir, target);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await packArtifact(artifact));
  return { path, target };
}
