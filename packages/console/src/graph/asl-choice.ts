import type { AslState, ChoiceRule } from "./state-graph.ts";

/** Reads `$.a.b` from a value; undefined when a step is missing. */
function read(data: unknown, path: string): unknown {
  if (!path.startsWith("$")) return undefined;
  let at: unknown = data;
  for (const key of path
    .replace(/^\$\.?/, "")
    .split(".")
    .filter(Boolean)) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Writes `value` at a `$.a.b` ResultPath, as Step Functions merges a Task's result into the state. */
export function writeResult(data: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path
    .replace(/^\$\.?/, "")
    .split(".")
    .filter(Boolean);
  if (keys.length === 0) return;
  let at = data;
  for (const key of keys.slice(0, -1)) {
    if (typeof at[key] !== "object" || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}

const COMPARISONS: Record<string, (actual: unknown, expected: unknown) => boolean> = {
  BooleanEquals: (a, e) => a === e,
  StringEquals: (a, e) => a === e,
  NumericEquals: (a, e) => typeof a === "number" && a === e,
  NumericGreaterThan: (a, e) => typeof a === "number" && a > (e as number),
  NumericGreaterThanEquals: (a, e) => typeof a === "number" && a >= (e as number),
  NumericLessThan: (a, e) => typeof a === "number" && a < (e as number),
  NumericLessThanEquals: (a, e) => typeof a === "number" && a <= (e as number),
  IsNull: (a, e) => (a === null) === e,
  IsBoolean: (a, e) => (typeof a === "boolean") === e,
  IsNumeric: (a, e) => (typeof a === "number") === e,
  IsString: (a, e) => (typeof a === "string") === e,
};

/** True or false when the rule can be judged; undefined for an operator this evaluator does not know. */
function matches(rule: ChoiceRule, data: unknown): boolean | undefined {
  if (rule.And) {
    const results = rule.And.map((r) => matches(r, data));
    return results.includes(false) ? false : results.includes(undefined) ? undefined : true;
  }
  if (rule.Or) {
    const results = rule.Or.map((r) => matches(r, data));
    return results.includes(true) ? true : results.includes(undefined) ? undefined : false;
  }
  if (rule.Not) {
    const inner = matches(rule.Not, data);
    return inner === undefined ? undefined : !inner;
  }
  if (!rule.Variable) return undefined;
  const present = read(data, rule.Variable) !== undefined;
  if ("IsPresent" in rule) return present === rule.IsPresent;
  for (const [operator, compare] of Object.entries(COMPARISONS)) {
    if (operator in rule) return present && compare(read(data, rule.Variable), rule[operator]);
  }
  return undefined;
}

/**
 * The state a Choice goes to for `data`, the execution's state as far as the console can
 * rebuild it (each recorded Task's result at its ResultPath). Undefined when a rule uses an
 * operator not handled here; the graph then leaves the branch undecided rather than guess.
 */
export function chooseNext(state: AslState, data: unknown): string | undefined {
  for (const rule of state.Choices ?? []) {
    const result = matches(rule, data);
    if (result === undefined) return undefined;
    if (result) return rule.Next;
  }
  return state.Default;
}
