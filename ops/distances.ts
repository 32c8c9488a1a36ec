/**
 * Pairwise distances between gradient rows (Krum, Bulyan, Brute: spec 6.3, 6.5, 12.2) and distances of rows
 * to one vector (Aksel), split over d with a deterministic second pass: TypeScript references and GPU
 * dispatches (kernels in shaders/dist_pairwise.ts and shaders/dist_final.wgsl).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer } from "../gpu/buffers.ts";
import { bind, type Dispatch } from "../gpu/kernel.ts";
import { distanceTiling } from "../gpu/tuning.ts";
import { DISTANCE_PARAMS, distancePartialWgsl } from "../shaders/dist_pairwise.ts";
import { perElement } from "./launch.ts";

/** Chunk partials are kept under this many floats (64 MiB); larger problems get longer chunks. */
const MAX_PARTIAL_FLOATS = 1 << 24;
/** Longest chunk one lane may walk: llvmpipe silently stops loops after 65 535 iterations (notes §5.1). */
const MAX_CHUNK = 49152;

/**
 * Reference: `D[i·nb + j] = ‖a_i − b_j‖²` (or ‖·‖ when `euclidean`), accumulated in f64. When B is A, each
 * pair is computed once.
 */
export function distancesRef(
  A: readonly Float32Array[],
  B: readonly Float32Array[],
  euclidean: boolean,
): Float64Array {
  const nb = B.length;
  const out = new Float64Array(A.length * nb);
  A.forEach((a, i) =>
    B.forEach((b, j) => {
      out[i * nb + j] = A === B && j < i ? out[j * nb + i] : distanceRef(a, b, euclidean);
    })
  );
  return out;
}

function distanceRef(a: Float32Array, b: Float32Array, euclidean: boolean): number {
  let acc = 0;
  for (let k = 0; k < a.length; k++) acc += (a[k] - b[k]) ** 2;
  return euclidean ? Math.sqrt(acc) : acc;
}

/**
 * Binds the n×n matrix of distances between the n rows of X (row i at i·d) into `out[outOff …]`: squared,
 * or Euclidean when `euclidean`. Two dispatches; the matrix is exactly symmetric.
 */
export function pairwiseDistances(
  gpu: Gpu,
  X: GPUBuffer,
  n: number,
  d: number,
  out: GPUBuffer,
  outOff: number,
  euclidean: boolean,
): Dispatch[] {
  const block = distanceTiling(gpu, n).block;
  return build(gpu, X, n, X, n, d, { rows: block, cols: block, symmetric: true }, out, outOff, euclidean);
}

/** Binds the squared distances of the n rows of X to the vector y (d floats) into `out[outOff + i]`. */
export function distancesTo(
  gpu: Gpu,
  X: GPUBuffer,
  n: number,
  y: GPUBuffer,
  d: number,
  out: GPUBuffer,
  outOff: number,
): Dispatch[] {
  const block = distanceTiling(gpu, n).block;
  return build(gpu, X, n, y, 1, d, { rows: block, cols: 1, symmetric: false }, out, outOff, false);
}

function build(
  gpu: Gpu,
  A: GPUBuffer,
  na: number,
  B: GPUBuffer,
  nb: number,
  d: number,
  v: { rows: number; cols: number; symmetric: boolean },
  out: GPUBuffer,
  outOff: number,
  euclidean: boolean,
): Dispatch[] {
  const t = distanceTiling(gpu, na);
  const maxChunks = Math.max(1, Math.floor(MAX_PARTIAL_FLOATS / (na * nb)));
  const ch = Math.max(t.chunk, Math.ceil(d / maxChunks));
  if (ch > MAX_CHUNK) {
    throw new Error(`distances: ${na}×${nb} rows of ${d} coordinates is too large a problem`);
  }
  const chunks = Math.ceil(d / ch);
  const partial = storageBuffer(gpu, chunks * na * nb * 4, "dist-partial");
  const values: Record<(typeof DISTANCE_PARAMS)[number], number> = { na, nb, d, ch, chunks };
  const params = new Params();
  for (const f of DISTANCE_PARAMS) params.u32(values[f]);
  const first = bind(
    gpu,
    {
      shader: `dist-partial-${v.rows}x${v.cols}${v.symmetric ? "-sym" : ""}`,
      code: distancePartialWgsl(v),
      constants: { WG: t.wg },
    },
    [params.create(gpu, "dist-partial"), A, B, partial],
    [Math.ceil(chunks / t.wg), Math.ceil(na / v.rows), Math.ceil(nb / v.cols)],
  );
  const second = perElement(
    gpu,
    "dist_final.wgsl",
    new Params().u32(na).u32(nb).u32(chunks).u32(outOff),
    [partial, out],
    na * nb,
    { SYM: v.symmetric ? 1 : 0, POST: euclidean ? 1 : 0 },
  );
  return [first, second];
}
