/**
 * `empire-strict` (spec 7.3, the paper's form of "Fall of empires"): f_real copies of −ε·avg. Arg `epsilon`
 * (default 1); a negative int −k searches ε ≥ 0 with a line search of k evaluations against the rule in use.
 * **QUIRK** (spec 7.3, 10.7): ε must be a non-zero int, a float such as 0.5 is rejected as in the reference.
 */
import { Direction, identicalAttack } from "./identical.ts";
import { argRepr, checkCommon, pyInt } from "./checks.ts";

/** The `empire-strict` attack. */
export const empireStrict = identicalAttack(
  "empire-strict",
  (h, fReal, args) => {
    const epsilon = args.epsilon ?? 1;
    const value = pyInt(epsilon);
    return checkCommon(h, fReal) ??
      (value === undefined || value === 0
        ? `Expected a non-zero attack epsilon, got ${argRepr(epsilon)}`
        : undefined);
  },
  (args) => {
    const epsilon = pyInt(args.epsilon ?? 1)!;
    return {
      direction: Direction.NegatedMean,
      withMean: false,
      factor: epsilon > 0 ? epsilon : { evals: -epsilon, searchSign: 1, finalSign: 1 },
    };
  },
);
