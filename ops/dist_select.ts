/**
 * Selection steps shared by the distance-based rules (spec 6.3, 6.5, 12.2): neighbour scores, stable
 * ordering by key and means of ranked rows. Each comes as a TypeScript reference and as GPU dispatches that
 * run without any readback (everything data-dependent, the sorting included, happens in kernels).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer } from "../gpu/buffers.ts";
import { bind, type Dispatch, grid } from "../gpu/kernel.ts";
import { loadShader } from "../gpu/shaders.ts";
import { elementwiseGroup } from "../gpu/tuning.ts";
import { type Rounds, selectMeansWgsl } from "../shaders/dist_select.ts";
import { perElement, perGroup } from "./launch.ts";

/** Sort key of a distance, score or norm: a non-finite one counts as +∞ (spec 6.3). */
function finiteOrInf(x: number): number {
  return Number.isFinite(x) ? x : Infinity;
}

/** Indices ordered by increasing key (non-finite = +∞), ties by lower index (spec 14). */
export function orderByKey(keys: ArrayLike<number>): number[] {
  const k = Array.from(keys, finiteOrInf);
  return k.map((_, i) => i).sort((a, b) => k[a] - k[b] || a - b);
}

/** Reference scores: for each row i of the n×n matrix D, the sum of its k smallest keys to the others. */
export function neighbourScoresRef(D: ArrayLike<number>, n: number, k: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: n }, (_, j) => finiteOrInf(D[i * n + j])).filter((_, j) => j !== i);
    return row.sort((a, b) => a - b).slice(0, k).reduce((s, x) => s + x, 0);
  });
}

/** Reference mean of `rows[idx[0]], rows[idx[1]], …` (f64 sums, rounded once). */
export function meanOfRows(rows: readonly Float32Array[], idx: readonly number[]): Float32Array {
  const out = new Float64Array(rows[0].length);
  for (const i of idx) rows[i].forEach((x, j) => out[j] += x);
  return Float32Array.from(out, (x) => x / idx.length);
}

/**
 * Binds the row order of the n×n distances D into `order` (n·(n−1) u32): `order[i·(n−1) + r]` is the column
 * of rank r among row i's other entries, by (distance, column) with a non-finite distance counted as +∞.
 */
export function rowOrder(gpu: Gpu, D: GPUBuffer, n: number, order: GPUBuffer): Dispatch {
  return perElement(gpu, "dist_row_sort.wgsl", new Params().u32(n), [D, order], n * n);
}

/** Binds the scores of `neighbourScoresRef` for the n×n distances D into `scores` (n floats). */
export function neighbourScores(gpu: Gpu, D: GPUBuffer, n: number, k: number, scores: GPUBuffer): Dispatch[] {
  const order = storageBuffer(gpu, n * Math.max(1, n - 1) * 4, "dist-row-order");
  return [
    rowOrder(gpu, D, n, order),
    perGroup(gpu, "dist_scores.wgsl", new Params().u32(n).u32(k), [D, order, scores], [Math.ceil(n / 64)]),
  ];
}

/** Binds `order[r]` = index of rank r among `keys[keyOff …+n]` (stable, non-finite = +∞); order is n u32. */
export function rankByKey(gpu: Gpu, keys: GPUBuffer, keyOff: number, n: number, order: GPUBuffer): Dispatch {
  return perElement(gpu, "dist_rank.wgsl", new Params().u32(n).u32(keyOff), [keys, order], n);
}

/** Binds the means of ranked rows of X (n×d) into `out` (rounds×d, see shaders/dist_select.ts). */
export function selectMeans(
  gpu: Gpu,
  X: GPUBuffer,
  n: number,
  d: number,
  order: GPUBuffer,
  r: Rounds,
  out: GPUBuffer,
): Dispatch {
  const wg = elementwiseGroup(gpu);
  const spec = {
    shader: `dist-select-${r.rounds}-${r.m}-${r.mMax}`,
    code: selectMeansWgsl(r, loadShader("common.wgsl")),
    constants: { WG: wg },
  };
  const params = new Params().u32(n).u32(d).create(gpu, "dist-select");
  return bind(gpu, spec, [params, X, order, out], grid(Math.ceil(d / wg)));
}

/**
 * Binds the count of attack rows among a rule's selection `order[0..count)` (rows of index ≥ `t.honest`
 * are the attack's) into `t.buffer[t.offset]`; NaN if an entry is ≥ n (no valid selection).
 */
export function attackShare(
  gpu: Gpu,
  order: GPUBuffer,
  n: number,
  count: number,
  t: { readonly buffer: GPUBuffer; readonly offset: number; readonly honest: number },
): Dispatch {
  const params = new Params().u32(n).u32(t.honest).u32(count).u32(t.offset);
  return perGroup(gpu, "attack_share.wgsl", params, [order, t.buffer], [1]);
}
