import { z } from "zod";

/**
 * What a run's `counts` may hold, each field written by the state named: the one shape the
 * steps write (addRunCounts takes it), the API documents (the runs routes' OpenAPI schema) and
 * the console reads (its types derive from this). Every field is optional: a run shows what
 * its states have reached, and older runs lack newer fields.
 */
export const RunCountsSchema = z
  .object({
    // Preprocess
    customers: z.number().int().describe("customers in the upload"),
    rows: z.object({ in: z.number(), out: z.number(), quarantined: z.number() }),
    quarantined: z.record(z.string(), z.number()).describe("quarantined rows per reason"),
    quarantineKey: z.string().nullable(),
    readingsReplaced: z
      .number()
      .int()
      .describe(
        "steps already in a customer's history that this upload gave another value: the later reading replaced the earlier one",
      ),
    readingsResent: z
      .number()
      .int()
      .describe("steps already in a customer's history that this upload sent again with the same value"),
    preprocessPending: z.string().describe("why Preprocess is waiting (a Processing job, an earlier run)"),
    reforecast: z.string().describe("a run started by a related file: what it re-forecasts with"),
    // Train
    trainProgress: z.object({ done: z.number().int(), total: z.number().int() }),
    trainingPending: z.string(),
    customersTrained: z.number().int(),
    customersRefreshed: z
      .number()
      .int()
      .describe("of those trained, how many kept their algorithm (retrain)"),
    customersFailed: z.number().int(),
    trainFailures: z
      .array(z.object({ customerId: z.string(), error: z.string() }))
      .describe("the first failures; they keep their model"),
    customersReforecast: z.number().int(),
    customersUnchanged: z.number().int(),
    customersKept: z.number().int(),
    reforecastKept: z.array(z.object({ customerId: z.string(), reason: z.string() })),
    // Register
    forecastsScored: z.number().int().describe("previous forecasts scored against new actuals"),
    driftFlagged: z.number().int(),
    anomaliesFlagged: z.number().int().describe("anomalous history points in the customers trained"),
    // Publish
    customersPublished: z.number().int(),
    publishFailures: z.array(z.string()),
    aggregatesKey: z.string(),
    aggregateGroups: z.number().int(),
    aggregatesError: z.string(),
  })
  .partial();

export type RunCounts = z.infer<typeof RunCountsSchema>;
