/**
 * `meamed` (spec 12.2): per coordinate, the mean of the n − f values closest to the lower median, ties in
 * distance going to the lower row index (spec 14). Same check as `trmean`; no upper bound.
 *
 * NaN/Inf: the centre is the lower median with NaN sorted as +∞ (finite with at most f ≤ ⌊(n−1)/2⌋
 * non-finite values), and NaN or infinite distances count as +∞: with at most f non-finite values in a
 * coordinate all of them are left out and the result is finite.
 */
import { dispatchStage, type Rule } from "./rule.ts";
import { checkMajority } from "./trmean.ts";
import { closestMean, coordinateDispatch, lowerMedian, mapColumns } from "../ops/coordinate.ts";

/** Mean around the median. */
export const meamed: Rule = {
  name: "meamed",
  check: (n, f) => checkMajority(n, f),
  aggregate: (rows, f) =>
    mapColumns(rows, (column) => closestMean(column, lowerMedian(column), column.length - f)),
  bind: (gpu, b) =>
    dispatchStage([coordinateDispatch(gpu, { rule: "meamed", n: b.n, f: b.f }, b.d, b.input, b.output)]),
};
