/**
 * Registry of aggregation rules: every rule file of `gar/` is listed here once.
 */
import { average } from "./average.ts";
import type { Rule } from "./rule.ts";

const RULES: readonly Rule[] = [average];

/** Names of the known rules. */
export function ruleNames(): string[] {
  return RULES.map((r) => r.name);
}

/** Returns the rule called `name`, or throws an error listing the known ones. */
export function getRule(name: string): Rule {
  const rule = RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`Unknown aggregation rule '${name}', expected one of: ${ruleNames().join(", ")}`);
  return rule;
}
