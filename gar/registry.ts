/**
 * Registry of aggregation rules: every rule file of `gar/` is listed here once.
 */
import { average } from "./average.ts";
import { median } from "./median.ts";
import { trmean } from "./trmean.ts";
import { phocas } from "./phocas.ts";
import { meamed } from "./meamed.ts";
import { krum } from "./krum.ts";
import { bulyan } from "./bulyan.ts";
import { aksel } from "./aksel.ts";
import { brute } from "./brute.ts";
import { cge } from "./cge.ts";
import type { Rule } from "./rule.ts";

const RULES: readonly Rule[] = [average, median, trmean, phocas, meamed, krum, bulyan, aksel, brute, cge];

/** Names of the known rules. */
export function ruleNames(): string[] {
  return RULES.map((r) => r.name);
}

/** Returns the rule called `name`, or throws an error listing the known ones. */
export function getRule(name: string): Rule {
  const rule = RULES.find((r) => r.name === name);
  if (!rule) {
    throw new Error(`Unknown aggregation rule '${name}', expected one of: ${ruleNames().join(", ")}`);
  }
  return rule;
}
