/**
 * `bulyan` (spec 6.5): a Krum-based selection of θ rows, then, per coordinate, the mean of the β selected
 * values closest to their median (ties → lower selected-row index, spec 14; NaN sorts as +∞): exactly
 * `meamed` on θ rows with 2f dropped, so its kernel (ops/coordinate.ts) is reused. Distances are computed
 * once; a non-finite distance counts as +∞.
 *
 * - `reference-v1`, the reference's "Bulyan over Multi-Krum" with its QUIRKs (spec 6.5, 10.4): Euclidean
 *   distances; scores = sums of the m (default m_max = n − f − 2) smallest ones, ranked once by
 *   (score, index) as r_0, r_1, … and never re-scored; θ = n − 2f − 2 rounds, round i selecting the
 *   Multi-Krum average sel_i = mean(g_{r_i} … g_{r_{i+m_i−1}}), m_i = min(m, m_max − i); coordinate phase
 *   around the lower median with β = θ − 2f = n − 4f − 2.
 * - `corrected`, the Bulyan paper (El Mhamdi et al. 2018, "The Hidden Vulnerability of Distributed Learning
 *   in Byzantium"): squared distances; θ = n − 2f rounds of Krum on the remaining set R (score = sum of the
 *   |R| − f − 2 smallest distances to the other remaining rows, recomputed every round), each moving its
 *   winner (lowest score, ties → lower index) from R to the selection, which holds input rows (not
 *   averages), in the order chosen (ops/krum_rounds.ts); coordinate phase around the true median (the mean
 *   of the two middle values for even θ) with β = θ − 2f = n − 4f. It has no `m`: giving one is refused.
 *   The selection runs in one workgroup, so n ≤ 256.
 *
 * Check: n ≥ 4f + 3 with the corrected messages for both (spec 6.5 recommendation, 12.2); the reference's
 * v1 accepted n ≥ 2f + 3, where β ≤ 0 makes the output garbage.
 *
 * NaN/∞: a bad row (NaN or ∞ anywhere) is at distance +∞ from all others.
 * - reference-v1: with at most f of them, every other row has n − f − 1 ≥ m finite distances and a finite
 *   score, the bad rows rank last, and all selections come from the m_max = n − f − 2 best ranks: the output
 *   is finite. With more bad rows the output may be NaN (where the reference could crash, spec 6.5).
 * - corrected: with at most f of them, a good row always has |R| − 1 − f ≥ k finite distances to remaining
 *   rows, so a bad row can only win a round where k = 0 (the last one when f = 1), where all scores are 0.
 *   Then at most f of the θ ≥ 2f + 3 selected rows are bad, the median's middle ranks and the β closest
 *   values are finite, and so is the output.
 */
import { storageBuffer } from "../gpu/buffers.ts";
import type { Gpu } from "../gpu/device.ts";
import { distancesRef, pairwiseDistances } from "../ops/distances.ts";
import {
  meanOfRows,
  neighbourScores,
  neighbourScoresRef,
  orderByKey,
  rankByKey,
  selectMeans,
} from "../ops/dist_select.ts";
import { KRUM_ROUNDS_MAX_N, krumRounds, krumRoundsRef } from "../ops/krum_rounds.ts";
import { closestMean, coordinateDispatch, lowerMedian, mapColumns, trueMedian } from "../ops/coordinate.ts";
import { checkByzantine, checkList, checkSelected, krumUpperBound, selectedCount } from "./krum.ts";
import {
  type Args,
  DEFAULT_BEHAVIOUR,
  dispatchStage,
  type GarBinding,
  type Rule,
  type Stage,
} from "./rule.ts";

/** What the corrected variant refuses beyond the shared checks: an `m`, and n above the kernel's limit. */
function checkCorrected(n: number, args: Args): string | undefined {
  if (args.m !== undefined) {
    return `The corrected Bulyan (θ = n − 2f rounds of Krum) takes no 'm', got m = ${args.m} ` +
      `(the reference's Multi-Krum selection is --compat reference-v1)`;
  }
  if (n > KRUM_ROUNDS_MAX_N) {
    return `The corrected Bulyan's selection runs in one GPU workgroup, supported up to n = ${KRUM_ROUNDS_MAX_N}, got n = ${n}`;
  }
  return undefined;
}

/** Reference-v1 aggregation (TypeScript). */
function aggregateV1(rows: readonly Float32Array[], f: number, args: Args): Float32Array {
  const n = rows.length, m = selectedCount(n, f, args), mMax = n - f - 2, theta = n - 2 * f - 2;
  const order = orderByKey(neighbourScoresRef(distancesRef(rows, rows, true), n, m));
  const selected = Array.from(
    { length: theta },
    (_, i) => meanOfRows(rows, order.slice(i, i + Math.min(m, mMax - i))),
  );
  return mapColumns(selected, (column) => closestMean(column, lowerMedian(column), theta - 2 * f));
}

/** Corrected aggregation (TypeScript). */
function aggregateCorrected(rows: readonly Float32Array[], f: number): Float32Array {
  const n = rows.length, theta = n - 2 * f;
  const selected = krumRoundsRef(distancesRef(rows, rows, false), n, f, theta).map((i) => rows[i]);
  return mapColumns(selected, (column) => closestMean(column, trueMedian(column), theta - 2 * f));
}

/** Reference-v1 aggregation (GPU). */
function bindV1(gpu: Gpu, b: GarBinding): Stage {
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
}

/** Corrected aggregation (GPU): the chosen rows are gathered (one-row "means") before the coordinate phase. */
function bindCorrected(gpu: Gpu, b: GarBinding): Stage {
  const { n, f, d } = b, theta = n - 2 * f;
  const D = storageBuffer(gpu, n * n * 4, "bulyan-distances");
  const chosen = storageBuffer(gpu, theta * 4, "bulyan-chosen");
  const selected = storageBuffer(gpu, theta * d * 4, "bulyan-selected");
  return dispatchStage([
    ...pairwiseDistances(gpu, b.input, n, d, D, 0, false),
    ...krumRounds(gpu, D, n, f, theta, chosen),
    selectMeans(gpu, b.input, n, d, chosen, { rounds: theta, m: 1, mMax: theta }, selected),
    coordinateDispatch(
      gpu,
      { rule: "meamed", n: theta, f: 2 * f, evenMedian: "mean" },
      d,
      selected,
      b.output,
    ),
  ]);
}

/** Bulyan. */
export const bulyan: Rule = {
  name: "bulyan",
  check: (n, f, args, behaviour = DEFAULT_BEHAVIOUR) =>
    checkList(n) ?? checkByzantine(n, f, 4, 3) ??
      (behaviour === "reference-v1" ? checkSelected(n, f, args) : checkCorrected(n, args)),
  upperBound: krumUpperBound,
  aggregate: (rows, f, args, behaviour = DEFAULT_BEHAVIOUR) =>
    behaviour === "reference-v1" ? aggregateV1(rows, f, args) : aggregateCorrected(rows, f),
  bind: (gpu, b) =>
    (b.behaviour ?? DEFAULT_BEHAVIOUR) === "reference-v1" ? bindV1(gpu, b) : bindCorrected(gpu, b),
};
