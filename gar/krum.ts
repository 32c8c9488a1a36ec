/**
 * `krum` — Multi-Krum (spec 6.3): rows are scored by the sum of their distances to their nearest
 * neighbours; the output is the mean of the m best-scored rows (default and largest m = n − f − 2), ranked
 * by (score, index) as Python's stable sort does. A non-finite distance counts as +∞.
 *
 * - `reference-v1`, with the reference's QUIRK (spec 10.4): Euclidean (not squared) distances and the
 *   n − f − 1 (not n − f − 2) smallest of them.
 * - `corrected`, as the Krum paper (Blanchard et al. 2017): squared distances and the n − f − 2 smallest.
 *
 * NaN/∞: a row holding a NaN or ∞ is at distance +∞ from every other row. With at most f such rows, every
 * other row still has n − f − 1 finite distances, hence a finite score, while the bad rows score +∞ and
 * rank last: the m ≤ n − f − 2 selected rows are all finite, so is the output. With more than f bad rows
 * the selection may include them and the output is then NaN/∞. (Finite rows so far apart that the squared
 * distance overflows f32, > 1.8e38, count as +∞ on the GPU.)
 */
import { storageBuffer } from "../gpu/buffers.ts";
import { distancesRef, pairwiseDistances } from "../ops/distances.ts";
import {
  attackShare,
  meanOfRows,
  neighbourScores,
  neighbourScoresRef,
  orderByKey,
  rankByKey,
  selectMeans,
} from "../ops/dist_select.ts";
import {
  type Args,
  type Behaviour,
  DEFAULT_BEHAVIOUR,
  dispatchStage,
  type Rule,
  type Selection,
} from "./rule.ts";

/** Check of the gradient count shared by the rules (spec 6.2). */
export function checkList(n: number): string | undefined {
  return n >= 1 ? undefined : `Expected a list of at least one gradient to aggregate, got ${n}`;
}

/**
 * Check of f shared by the distance-based rules: an integer f ≥ 1 with n ≥ `factor`·f + `extra`, reported
 * with the spec's message (bound ⌊(n − extra)/factor⌋).
 */
export function checkByzantine(n: number, f: number, factor: number, extra: number): string | undefined {
  if (Number.isInteger(f) && f >= 1 && n >= factor * f + extra) return undefined;
  return `Invalid number of Byzantine gradients to tolerate, got f = ${f}, expected 1 ≤ f ≤ ${
    Math.floor((n - extra) / factor)
  }`;
}

/** The `m` argument of Multi-Krum and Bulyan (spec 6.3, 6.5): default n − f − 2. */
export function selectedCount(n: number, f: number, args: Args): number {
  return args.m === undefined ? n - f - 2 : Number(args.m);
}

/** Check of `m` shared with Bulyan (its corrected message, spec 12.2): an integer 1 ≤ m ≤ n − f − 2. */
export function checkSelected(n: number, f: number, args: Args): string | undefined {
  const m = selectedCount(n, f, args);
  if (Number.isInteger(m) && m >= 1 && m <= n - f - 2) return undefined;
  return `Invalid number of selected gradients, got m = ${args.m}, expected 1 ≤ m ≤ ${n - f - 2}`;
}

/** Variance-norm bound of Krum and Bulyan (spec 6.3, 13.2). */
export function krumUpperBound(n: number, f: number): number {
  return 1 / Math.sqrt(2 * (n - f + (f * (n + f * (n - f - 2) - 2)) / (n - 2 * f - 2)));
}

/** How a variant scores: distances squared or Euclidean, and how many nearest neighbours are summed. */
function scoring(behaviour: Behaviour, n: number, f: number) {
  return behaviour === "reference-v1"
    ? { euclidean: true, neighbours: n - f - 1 }
    : { euclidean: false, neighbours: n - f - 2 };
}

/** Multi-Krum's m rows of best score. */
const krumSelection: Selection = {
  retained: selectedCount,
  select(rows, f, args, behaviour = DEFAULT_BEHAVIOUR) {
    const n = rows.length, s = scoring(behaviour, n, f);
    const scores = neighbourScoresRef(distancesRef(rows, rows, s.euclidean), n, s.neighbours);
    return orderByKey(scores).slice(0, selectedCount(n, f, args));
  },
};

/** Multi-Krum. */
export const krum: Rule = {
  name: "krum",
  check: (n, f, args) => checkList(n) ?? checkByzantine(n, f, 2, 3) ?? checkSelected(n, f, args),
  upperBound: krumUpperBound,
  aggregate: (rows, f, args, behaviour) => meanOfRows(rows, krumSelection.select(rows, f, args, behaviour)),
  bind(gpu, b) {
    const m = selectedCount(b.n, b.f, b.args), s = scoring(b.behaviour ?? DEFAULT_BEHAVIOUR, b.n, b.f);
    const D = storageBuffer(gpu, b.n * b.n * 4, "krum-distances");
    const scores = storageBuffer(gpu, b.n * 4, "krum-scores");
    const order = storageBuffer(gpu, b.n * 4, "krum-order");
    return dispatchStage([
      ...pairwiseDistances(gpu, b.input, b.n, b.d, D, 0, s.euclidean),
      ...neighbourScores(gpu, D, b.n, s.neighbours, scores),
      rankByKey(gpu, scores, 0, b.n, order),
      selectMeans(gpu, b.input, b.n, b.d, order, { rounds: 1, m, mMax: m }, b.output),
      ...(b.influence ? [attackShare(gpu, order, b.n, m, b.influence)] : []),
    ]);
  },
  selection: krumSelection,
};
