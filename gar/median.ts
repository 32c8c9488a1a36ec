/**
 * `median` (spec 6.4): coordinate-wise lower median, the value of rank ⌊(n−1)/2⌋ (for even n the lower of
 * the two middle values). f is not used; `upper_bound = 1/sqrt(n − f)`.
 *
 * NaN/Inf: NaN sorts as +∞ (the NaN-resilient choice recommended by spec 6.4), so a coordinate's result is
 * finite as long as at most ⌊(n−1)/2⌋ of its values are −∞ and at most ⌈(n−1)/2⌉ are +∞ or NaN, in
 * particular whenever at most f < n/2 rows are non-finite.
 */
import { dispatchStage, type Rule } from "./rule.ts";
import { coordinateDispatch, lowerMedian, mapColumns } from "../ops/coordinate.ts";

/** The coordinate-wise lower median. */
export const median: Rule = {
  name: "median",
  check: (n) => n >= 1 ? undefined : `Expected a list of at least one gradient to aggregate, got ${n}`,
  upperBound: (n, f) => 1 / Math.sqrt(n - f),
  aggregate: (rows) => mapColumns(rows, lowerMedian),
  bind: (gpu, b) =>
    dispatchStage([coordinateDispatch(gpu, { rule: "median", n: b.n, f: 0 }, b.d, b.input, b.output)]),
};
