/**
 * `median` (spec 6.4): the coordinate-wise median. f is not used; `upper_bound = 1/sqrt(n − f)`.
 *
 * - `reference-v1`: the lower median, the value of rank ⌊(n−1)/2⌋ (for even n the lower of the two middle
 *   values, as torch's `median`).
 * - `corrected`: the true median, for even n the mean of the two middle values (spec 6.4 notes the
 *   difference), taken as (a + b)·0.5 in f32, which overflows to ±∞ only if a + b does (|a|, |b| ≳ 1.7e38).
 *   Both agree for odd n.
 *
 * NaN/Inf: NaN sorts as +∞ (the NaN-resilient choice recommended by spec 6.4), so a coordinate's result is
 * finite as long as its middle value(s) are: at most ⌊(n−1)/2⌋ values −∞ and at most ⌊n/2⌋ (lower median)
 * or ⌈n/2⌉ − 1 (true median) values +∞ or NaN; in particular whenever at most f < n/2 rows are non-finite.
 */
import { DEFAULT_BEHAVIOUR, dispatchStage, type Rule } from "./rule.ts";
import { coordinateDispatch, lowerMedian, mapColumns, trueMedian } from "../ops/coordinate.ts";
import { checkList } from "./krum.ts";

/** The coordinate-wise median. */
export const median: Rule = {
  name: "median",
  check: (n) => checkList(n),
  upperBound: (n, f) => 1 / Math.sqrt(n - f),
  aggregate: (rows, _f, _args, behaviour = DEFAULT_BEHAVIOUR) =>
    mapColumns(rows, behaviour === "reference-v1" ? lowerMedian : trueMedian),
  bind(gpu, b) {
    const evenMedian = (b.behaviour ?? DEFAULT_BEHAVIOUR) === "reference-v1" ? "lower" : "mean";
    return dispatchStage([
      coordinateDispatch(gpu, { rule: "median", n: b.n, f: 0, evenMedian }, b.d, b.input, b.output),
    ]);
  },
};
