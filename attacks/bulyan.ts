/**
 * `bulyan` ("The hidden vulnerability", spec 7.2): f_real copies of avg + factor·e, where e is the unit
 * vector on coordinate `target_idx` (an int, Python-style negative indices allowed; default −1 = the last
 * coordinate) or, with `target_idx:all`, the all-ones vector.
 */
import type { Args } from "../gar/rule.ts";
import { argRepr } from "./checks.ts";
import { Direction, familyAttack } from "./identical.ts";

/** The `bulyan` attack. */
export const bulyan = familyAttack("bulyan", direction, (args) => {
  const target = args.target_idx ?? -1;
  // The reference asserts this when generating; checked here so that a run fails before training.
  return target === "all" || (typeof target === "number" && Number.isInteger(target))
    ? undefined
    : `Expected an integer or "all" for 'target_idx', got ${argRepr(target)}`;
});

function direction(args: Args, d: number) {
  const target = args.target_idx ?? -1;
  if (target === "all") return { direction: Direction.Ones };
  const index = target as number;
  if (index < -d || index >= d) {
    throw new RangeError(`index ${index} is out of bounds for dimension 0 with size ${d}`);
  }
  return { direction: Direction.Unit, target: index < 0 ? index + d : index };
}
