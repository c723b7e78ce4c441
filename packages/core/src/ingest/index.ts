export { GENERATED_HEADER, type GenerateOptions, generateRows } from "./generate.ts";
export { type PreprocessOptions, preprocess } from "./preprocess.ts";
export { QUARANTINE_HEADER } from "./quarantine-writer.ts";
export { QUARANTINE_REASONS, type QuarantineReason } from "./reasons.ts";
export { encodeSeriesCsv } from "./series-csv.ts";
export { parseTimestamp } from "./timestamp.ts";
