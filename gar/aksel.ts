/**
 * `aksel` (spec 12.2): M = coordinate-wise lower median of the n rows (the `median` rule's kernel, NaN
 * sorting as +∞, spec 14); rows ranked by squared distance ‖g_i − M‖² (non-finite → +∞, ties → lower
 * index); output the mean of the c closest, c = ⌊(n + 1)/2⌋ in mode `mid` (default) or n − f in mode `n-f`.
 * No upper bound.
 *
 * NaN/∞: with at most f rows holding NaN or ±∞ and n ≥ 2f + 1, the median of every coordinate has rank
 * ⌊(n − 1)/2⌋ ∈ [f, n − 1 − f], so it is a finite value; the bad rows are then at distance +∞ and rank last,
 * and c ≤ n − f, so the output is finite. With more bad rows M or the selection may hold NaN/∞.
 */
import { storageBuffer } from "../gpu/buffers.ts";
import { distancesRef, distancesTo } from "../ops/distances.ts";
import { attackShare, meanOfRows, orderByKey, rankByKey, selectMeans } from "../ops/dist_select.ts";
import { coordinateDispatch, lowerMedian, mapColumns } from "../ops/coordinate.ts";
import { checkByzantine, checkList } from "./krum.ts";
import { type Args, dispatchStage, type Rule, type Selection } from "./rule.ts";

const MODES = ["mid", "n-f"];

function mode(args: Args): string {
  return String(args.mode ?? "mid");
}

/** Number of rows averaged: ⌊(n + 1)/2⌋ (`mid`) or n − f (`n-f`). */
function closestCount(n: number, f: number, args: Args): number {
  return mode(args) === "n-f" ? n - f : Math.floor((n + 1) / 2);
}

/** Aksel's c rows closest to the coordinate-wise median. */
const akselSelection: Selection = {
  retained: (n, f, args) => closestCount(n, f, args),
  select(rows, f, args) {
    const dist = distancesRef(rows, [mapColumns(rows, lowerMedian)], false);
    return orderByKey(dist).slice(0, closestCount(rows.length, f, args));
  },
};

/** Aksel. */
export const aksel: Rule = {
  name: "aksel",
  check(n, f, args) {
    const invalidMode = MODES.includes(mode(args)) ? undefined : `Invalid operation mode '${mode(args)}'`;
    return checkList(n) ?? checkByzantine(n, f, 2, 1) ?? invalidMode;
  },
  aggregate: (rows, f, args) => meanOfRows(rows, akselSelection.select(rows, f, args)),
  bind(gpu, b) {
    const median = storageBuffer(gpu, b.d * 4, "aksel-median");
    const dist = storageBuffer(gpu, b.n * 4, "aksel-distances");
    const order = storageBuffer(gpu, b.n * 4, "aksel-order");
    const c = closestCount(b.n, b.f, b.args);
    return dispatchStage([
      coordinateDispatch(gpu, { rule: "median", n: b.n, f: b.f }, b.d, b.input, median),
      ...distancesTo(gpu, b.input, b.n, median, b.d, dist, 0),
      rankByKey(gpu, dist, 0, b.n, order),
      selectMeans(gpu, b.input, b.n, b.d, order, { rounds: 1, m: c, mMax: c }, b.output),
      ...(b.influence ? [attackShare(gpu, order, b.n, c, b.influence)] : []),
    ]);
  },
  selection: akselSelection,
};
