/**
 * `brute` (spec 12.2): among all subsets of n − f rows, in lexicographic order, those with a non-finite
 * pairwise Euclidean distance are discarded; the first one of strictly smallest diameter (largest pairwise
 * distance) is chosen and the mean of its rows is the output. Upper bound (n − f)/(√8·f).
 *
 * Cost grows like C(n, f)·(n − f)²: the check refuses more than `MAX_SUBSETS` subsets (or n > 256, where
 * one GPU invocation would loop past llvmpipe's iteration cap), saying so.
 *
 * NaN/∞: a row holding a NaN or ∞ has non-finite distances to all others, so every subset containing it
 * (with another row) is discarded; with at most f such rows the subset of the other rows remains, and the
 * output is finite. When every subset is discarded the reference fails an assertion: the TypeScript
 * version throws the same message and the GPU one outputs NaN (it cannot raise).
 */
import { Params, storageBuffer } from "../gpu/buffers.ts";
import { bind, grid } from "../gpu/kernel.ts";
import { loadShader } from "../gpu/shaders.ts";
import { elementwiseGroup } from "../gpu/tuning.ts";
import { distancesRef, pairwiseDistances } from "../ops/distances.ts";
import { attackShare, meanOfRows, selectMeans } from "../ops/dist_select.ts";
import { perGroup } from "../ops/launch.ts";
import { bruteChoiceWgsl, bruteDiametersWgsl } from "../shaders/brute.ts";
import { checkByzantine, checkList } from "./krum.ts";
import { dispatchStage, type Rule, type Selection } from "./rule.ts";

/** Largest number of subsets C(n, n − f) examined per aggregation. */
const MAX_SUBSETS = 1 << 20;
const MAX_N = 256;
/** Subsets per block of the argmin pass (`brute_argmin.wgsl`). */
const BLOCK = 1024;

/** C(n, k) (0 unless 0 ≤ k ≤ n), saturating at 2^53. */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 0; i < Math.min(k, n - k) && c < 2 ** 53; i++) c = Math.round((c * (n - i)) / (i + 1));
  return Math.min(c, 2 ** 53);
}

/** Largest distance between two rows of `subset`, +∞ when one of them is not finite (discarded subset). */
function diameter(D: Float64Array, n: number, subset: readonly number[]): number {
  let worst = 0;
  for (let a = 1; a < subset.length; a++) {
    for (let b = 0; b < a; b++) {
      const v = D[subset[a] * n + subset[b]];
      if (!Number.isFinite(v)) return Infinity;
      worst = Math.max(worst, v);
    }
  }
  return worst;
}

/** Advances `subset` to the next combination of 0..n−1 in lexicographic order; false after the last one. */
function nextCombination(subset: number[], n: number): boolean {
  const k = subset.length;
  let i = k - 1;
  while (i >= 0 && subset[i] === n - k + i) i--;
  if (i < 0) return false;
  subset[i]++;
  for (let j = i + 1; j < k; j++) subset[j] = subset[j - 1] + 1;
  return true;
}

function checkSize(n: number, f: number): string | undefined {
  const subsets = binomial(n, n - f);
  if (n <= MAX_N && subsets <= MAX_SUBSETS) return undefined;
  return `Brute-force aggregation examines every subset of n − f gradients (its cost grows like ` +
    `C(n, f)·(n − f)²), got n = ${n} and C(n, n − f) = ${subsets}, supported up to n = ${MAX_N} and ` +
    `${MAX_SUBSETS} subsets`;
}

/** The n − f rows of smallest diameter (the first such subset in lexicographic order). */
const bruteSelection: Selection = {
  retained: (n, f) => n - f,
  select(rows, f) {
    const n = rows.length;
    const D = distancesRef(rows, rows, true);
    const subset = Array.from({ length: n - f }, (_, i) => i);
    let chosen: number[] | undefined, smallest = Infinity;
    do {
      const diam = diameter(D, n, subset);
      if (diam < smallest) [chosen, smallest] = [[...subset], diam];
    } while (nextCombination(subset, n));
    if (chosen === undefined) {
      throw new Error("Too many non-finite gradients: a non-finite distance was found between every subset");
    }
    return chosen;
  },
};

/** Brute-force minimum-diameter subset. */
export const brute: Rule = {
  name: "brute",
  check: (n, f) => checkList(n) ?? checkByzantine(n, f, 2, 1) ?? checkSize(n, f),
  upperBound: (n, f) => (n - f) / (Math.sqrt(8) * f),
  aggregate: (rows, f) => meanOfRows(rows, bruteSelection.select(rows, f, {})),
  bind(gpu, b) {
    const { n, d } = b, k = n - b.f, total = binomial(n, k), blocks = Math.ceil(total / BLOCK);
    const prelude = loadShader("dist_common.wgsl");
    const table = new Uint32Array(n * k);
    for (let a = 0; a < n; a++) {
      for (let c = 0; c < k; c++) table[a * k + c] = Math.min(binomial(a, c), 2 ** 32 - 1);
    }
    const binom = storageBuffer(gpu, table.byteLength, "brute-binomials");
    gpu.device.queue.writeBuffer(binom, 0, table);
    const D = storageBuffer(gpu, n * n * 4, "brute-distances");
    const diam = storageBuffer(gpu, total * 4, "brute-diameters");
    const best = storageBuffer(gpu, blocks * 4, "brute-best");
    const bestAt = storageBuffer(gpu, blocks * 4, "brute-best-at");
    const order = storageBuffer(gpu, k * 4, "brute-order");
    const wg = elementwiseGroup(gpu);
    return dispatchStage([
      ...pairwiseDistances(gpu, b.input, n, d, D, 0, true),
      bind(
        gpu,
        { shader: `brute-diameters-${k}`, code: bruteDiametersWgsl(k, prelude), constants: { WG: wg } },
        [new Params().u32(n).u32(k).u32(total).create(gpu, "brute-diameters"), binom, D, diam],
        grid(Math.ceil(total / wg)),
      ),
      perGroup(gpu, "brute_argmin.wgsl", new Params().u32(total).u32(blocks), [diam, best, bestAt], [
        Math.ceil(blocks / 64),
      ], { BLOCK }),
      bind(
        gpu,
        { shader: `brute-choice-${k}`, code: bruteChoiceWgsl(k, prelude) },
        [new Params().u32(n).u32(k).u32(blocks).create(gpu, "brute-choice"), binom, best, bestAt, order],
        [1],
      ),
      selectMeans(gpu, b.input, n, d, order, { rounds: 1, m: k, mMax: k }, b.output),
      ...(b.influence ? [attackShare(gpu, order, n, k, b.influence)] : []),
    ]);
  },
  selection: bruteSelection,
};
