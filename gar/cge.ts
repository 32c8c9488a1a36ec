/**
 * `cge` — Comparative Gradient Elimination (spec 12.2): rows ranked by Euclidean norm (non-finite → +∞,
 * ties → lower index), output the mean of the n − f smallest. No upper bound.
 *
 * Check: a non-empty list (spec 12.2) and, beyond the reference, 0 ≤ f < n: the reference crashes (or
 * slices from the end) when n − f ≤ 0, so that case is refused up front.
 *
 * NaN/∞: a row holding a NaN or ∞ has a non-finite norm and ranks last, so with at most f such rows the
 * n − f averaged rows are all finite and so is the output. (On the GPU norms are computed in f32, so a finite
 * row of norm above ~1.8e19 also counts as +∞.)
 */
import { storageBuffer } from "../gpu/buffers.ts";
import { Reduce, reduceRows } from "../ops/reduce.ts";
import { attackShare, meanOfRows, orderByKey, rankByKey, selectMeans } from "../ops/dist_select.ts";
import { checkList } from "./krum.ts";
import { dispatchStage, type Rule, type Selection } from "./rule.ts";

/** CGE's n − f rows of smallest norm. */
const cgeSelection: Selection = {
  retained: (n, f) => n - f,
  select(rows, f) {
    const norms = rows.map((r) => Math.sqrt(r.reduce((s, x) => s + x * x, 0)));
    return orderByKey(norms).slice(0, rows.length - f);
  },
};

/** Comparative Gradient Elimination. */
export const cge: Rule = {
  name: "cge",
  check(n, f) {
    if (Number.isInteger(f) && f >= 0 && f < n) return checkList(n);
    return checkList(n) ??
      `Invalid number of Byzantine gradients to tolerate, got f = ${f}, expected 0 ≤ f ≤ ${n - 1}`;
  },
  aggregate: (rows, f) => meanOfRows(rows, cgeSelection.select(rows, f, {})),
  bind(gpu, b) {
    const norms = storageBuffer(gpu, b.n * 4, "cge-norms");
    const order = storageBuffer(gpu, b.n * 4, "cge-order");
    const m = b.n - b.f;
    return dispatchStage([
      ...reduceRows(gpu, b.input, { rows: b.n, len: b.d, stride: b.d }, Reduce.SumSquares, norms, 0, true),
      rankByKey(gpu, norms, 0, b.n, order),
      selectMeans(gpu, b.input, b.n, b.d, order, { rounds: 1, m, mMax: m }, b.output),
      ...(b.influence ? [attackShare(gpu, order, b.n, m, b.influence)] : []),
    ]);
  },
  selection: cgeSelection,
};
