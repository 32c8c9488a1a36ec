/**
 * `bulyan` — Bulyan over Multi-Krum (spec 6.5), reproducing the reference's selection: scores are the sums
 * of the m (default m_max = n − f − 2) smallest Euclidean distances (non-finite → +∞), rows are ranked once
 * by (score, index) as r_0, r_1, … and never re-scored (QUIRK, spec 10.4); round i < θ = n − 2f − 2 selects
 * sel_i = mean(g_{r_i} … g_{r_{i+m_i−1}}) with m_i = min(m, m_max − i). Coordinate phase: per coordinate,
 * the lower median of the θ selected values (NaN sorts as +∞), then the mean of the β = θ − 2f values
 * closest to it (ties → lower selected-row index, spec 14): exactly `meamed` on θ rows with 2f dropped, so
 * its kernel (ops/coordinate.ts) is reused.
 *
 * Check: the corrected n ≥ 4f + 3 with its corrected messages (spec 6.5 recommendation, 12.2); the
 * reference's v1 accepted n ≥ 2f + 3, where β ≤ 0 makes the output garbage.
 *
 * NaN/∞: a bad row (NaN or ∞ anywhere) is at distance +∞ from all others. With at most f of them, every other
 * row has n − f − 1 ≥ m finite distances and a finite score, the bad rows rank last, and all selections
 * come from the m_max = n − f − 2 best ranks: the output is finite. With more bad rows the output may be NaN
 * (where the reference could crash, spec 6.5).
 */
import { storageBuffer } from "../gpu/buffers.ts";
import { distancesRef, pairwiseDistances } from "../ops/distances.ts";
import {
  meanOfRows,
  neighbourScores,
  neighbourScoresRef,
  orderByKey,
  rankByKey,
  selectMeans,
} from "../ops/dist_select.ts";
import { closestMean, coordinateDispatch, lowerMedian, mapColumns } from "../ops/coordinate.ts";
import { checkByzantine, checkList, checkSelected, krumUpperBound, selectedCount } from "./krum.ts";
import { dispatchStage, type Rule } from "./rule.ts";

/** Bulyan. */
export const bulyan: Rule = {
  name: "bulyan",
  check: (n, f, args) => checkList(n) ?? checkByzantine(n, f, 4, 3) ?? checkSelected(n, f, args),
  upperBound: krumUpperBound,
  aggregate(rows, f, args) {
    const n = rows.length, m = selectedCount(n, f, args), mMax = n - f - 2, theta = n - 2 * f - 2;
    const order = orderByKey(neighbourScoresRef(distancesRef(rows, rows, true), n, m));
    const selected = Array.from(
      { length: theta },
      (_, i) => meanOfRows(rows, order.slice(i, i + Math.min(m, mMax - i))),
    );
    return mapColumns(selected, (column) => closestMean(column, lowerMedian(column), theta - 2 * f));
  },
  bind(gpu, b) {
    const { n, f, d } = b;
    const m = selectedCount(n, f, b.args), theta = n - 2 * f - 2;
    const D = storageBuffer(gpu, n * n * 4, "bulyan-distances");
    const scores = storageBuffer(gpu, n * 4, "bulyan-scores");
    const order = storageBuffer(gpu, n * 4, "bulyan-order");
    const selected = storageBuffer(gpu, theta * d * 4, "bulyan-selected");
    return dispatchStage([
      ...pairwiseDistances(gpu, b.input, n, d, D, 0, true),
      ...neighbourScores(gpu, D, n, m, scores),
      rankByKey(gpu, scores, 0, n, order),
      selectMeans(gpu, b.input, n, d, order, { rounds: theta, m, mMax: n - f - 2 }, selected),
      coordinateDispatch(gpu, { rule: "meamed", n: theta, f: 2 * f }, d, selected, b.output),
    ]);
  },
};
