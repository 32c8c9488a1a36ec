/**
 * `trmean` (spec 12.2): coordinate-wise trimmed mean, i.e. sort each coordinate, drop the f smallest and
 * the f largest values, average the n − 2f others. Needs an integer f with 1 ≤ f and n ≥ 2f + 1 (the check
 * shared with `phocas` and `meamed`, which the reference registers from the same file). No upper bound.
 *
 * NaN/Inf: NaN sorts as +∞, so up to f rows holding NaN or ±∞ in a coordinate are trimmed away and the
 * result stays finite; the result is non-finite only when more than f values of one side are non-finite.
 */
import { dispatchStage, type Rule } from "./rule.ts";
import { coordinateDispatch, mapColumns, trimmedMean } from "../ops/coordinate.ts";

/** Check of the three rules of trmean.py: an integer f with 1 ≤ f ≤ ⌊(n−1)/2⌋. */
export function checkMajority(n: number, f: number): string | undefined {
  if (n < 1) return `Expected a list of at least one gradient to aggregate, got ${n}`;
  if (!Number.isInteger(f) || f < 1 || n < 2 * f + 1) {
    return `Invalid number of Byzantine gradients to tolerate, got f = ${f}, expected 1 ≤ f ≤ ${
      Math.floor((n - 1) / 2)
    }`;
  }
  return undefined;
}

/** The coordinate-wise trimmed mean. */
export const trmean: Rule = {
  name: "trmean",
  check: (n, f) => checkMajority(n, f),
  aggregate: (rows, f) => mapColumns(rows, (column) => trimmedMean(column, f)),
  bind: (gpu, b) =>
    dispatchStage([coordinateDispatch(gpu, { rule: "trmean", n: b.n, f: b.f }, b.d, b.input, b.output)]),
};
