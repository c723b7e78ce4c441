import { Aspects } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";

/** Runs cdk-nag's AwsSolutions pack over the app; unsuppressed findings become errors/warnings. */
export function checkAwsSolutions(app: IConstruct): void {
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
}

/** One accepted finding: the rule, why it is acceptable, and optionally which parts it covers. */
export type Suppression = { id: string; reason: string; appliesTo?: (string | { regex: string })[] };
