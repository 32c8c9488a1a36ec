/**
 * Iterated Krum, the selection phase of the corrected Bulyan (El Mhamdi et al. 2018): starting from all n
 * rows, each round scores every remaining row by the sum of its |R| − f − 2 smallest distances to the other
 * remaining rows (non-finite → +∞), picks the lowest (score, index) and removes it from R; scores are
 * recomputed every round. TypeScript reference and GPU dispatches (no host wait: the data-dependent
 * selection runs in one workgroup, `shaders/krum_rounds.wgsl`); distances are computed once by the caller.
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer } from "../gpu/buffers.ts";
import { bind, type Dispatch } from "../gpu/kernel.ts";
import { neighbourScoresRef, orderByKey, rowOrder } from "./dist_select.ts";

/** Most rows: one workgroup lane per row (the size of the kernel's workgroup arrays). */
export const KRUM_ROUNDS_MAX_N = 256;
/** Loop iterations allowed per lane and dispatch (llvmpipe stops loops after 65 535, notes §5.1). */
const MAX_TRIPS = 32768;

/** Throws unless the last round still scores with |R| − f − 2 ≥ 0 neighbours, i.e. rounds ≤ n − f − 1. */
function checkRounds(n: number, f: number, rounds: number): void {
  if (rounds > n - f - 1) throw new RangeError(`iterated Krum: ${rounds} rounds over n = ${n}, f = ${f}`);
}

/** Reference: the rows chosen by `rounds` rounds over the n×n distances D, in the order chosen. */
export function krumRoundsRef(D: ArrayLike<number>, n: number, f: number, rounds: number): number[] {
  checkRounds(n, f, rounds);
  const remaining = Array.from({ length: n }, (_, i) => i);
  const chosen: number[] = [];
  for (let t = 0; t < rounds; t++) {
    const r = remaining.length;
    const sub = remaining.flatMap((i) => remaining.map((j) => D[i * n + j]));
    const best = orderByKey(neighbourScoresRef(sub, r, r - f - 2))[0];
    chosen.push(...remaining.splice(best, 1));
  }
  return chosen;
}

/**
 * Binds the selection over the n×n distances D (n ≤ `KRUM_ROUNDS_MAX_N`): `chosen[t]` (u32) = row chosen in
 * round t < rounds. The rounds are split over as many dispatches as llvmpipe's loop cap requires.
 */
export function krumRounds(
  gpu: Gpu,
  D: GPUBuffer,
  n: number,
  f: number,
  rounds: number,
  chosen: GPUBuffer,
): Dispatch[] {
  checkRounds(n, f, rounds);
  if (n > KRUM_ROUNDS_MAX_N) throw new RangeError(`iterated Krum: n = ${n} > ${KRUM_ROUNDS_MAX_N}`);
  const order = storageBuffer(gpu, n * Math.max(1, n - 1) * 4, "krum-rounds-order");
  let wg = 1;
  while (wg < n) wg *= 2;
  const spec = { shader: "krum_rounds.wgsl", constants: { WG: wg } };
  const perDispatch = Math.max(1, Math.floor((MAX_TRIPS - rounds) / (n - f - 1 + Math.log2(wg))));
  const dispatches = [rowOrder(gpu, D, n, order)];
  for (let t0 = 0; t0 < rounds; t0 += perDispatch) {
    const params = new Params().u32(n).u32(f).u32(t0).u32(Math.min(t0 + perDispatch, rounds));
    dispatches.push(bind(gpu, spec, [params.create(gpu, "krum-rounds"), D, order, chosen], [1]));
  }
  return dispatches;
}
