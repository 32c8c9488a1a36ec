/**
 * `phocas` (spec 12.2): per coordinate, the mean of the n − f values closest to the trimmed mean (the
 * `trmean` output), ties in distance going to the lower row index (spec 14). Same check as `trmean`; no
 * upper bound.
 *
 * NaN/Inf: the centre is the trimmed mean (NaN sorted as +∞, so it is finite with at most f non-finite
 * values), and NaN or infinite distances count as +∞: with at most f non-finite values in a coordinate all
 * of them are left out and the result is finite.
 */
import { dispatchStage, type Rule } from "./rule.ts";
import { checkMajority } from "./trmean.ts";
import { closestMean, coordinateDispatch, mapColumns, trimmedMean } from "../ops/coordinate.ts";

/** Mean around the trimmed mean. */
export const phocas: Rule = {
  name: "phocas",
  check: (n, f) => checkMajority(n, f),
  aggregate: (rows, f) =>
    mapColumns(rows, (column) => closestMean(column, trimmedMean(column, f), column.length - f)),
  bind: (gpu, b) =>
    dispatchStage([coordinateDispatch(gpu, { rule: "phocas", n: b.n, f: b.f }, b.d, b.input, b.output)]),
};
