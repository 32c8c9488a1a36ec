/**
 * Per-adapter kernel shapes, kept in one place.
 *
 * llvmpipe (a CPU) runs 8 invocations per SIMD lane group and pays for barriers and workgroup memory, so it
 * wants large register blocks and enough workgroups to feed both cores; real GPUs want small per-thread
 * blocks and many threads (see shared/notes/webgpu-on-cpu.md and shared/device/README.md).
 */
import type { Gpu } from "./device.ts";

/** Register block and workgroup shape of the matrix product kernel. */
export interface MatmulTiling {
  readonly rows: number;
  readonly cols: number;
  readonly wx: number;
  readonly wy: number;
}

/** Chooses the matmul tiling for an output of `m`×`n` (times `batch`), reducing over `k`, on this adapter. */
export function matmulTiling(gpu: Gpu, m: number, n: number, k: number, batch: number): MatmulTiling {
  if (!gpu.isCpu) return { rows: 4, cols: 4, wx: 16, wy: 8 };
  // On the CPU: the largest block that still leaves at least 16 workgroups of 8 invocations. Large blocks
  // pay on llvmpipe despite the register spills (best of 6 on a quiet machine: the 2241 × 100 × 784 forward
  // product 17 ms with 32 × 13 blocks, 22 ms with 16 × 13, 28 ms with 48 × 13; the 27 per-worker
  // 100 × 784 × 83 weight gradients 19.7 ms with 25 × 25, 22.3 ms with 20 × 20).
  const limits = k < 128
    ? [[25, 25], [16, 16], [8, 8], [4, 4], [2, 2]]
    : [[32, 16], [16, 16], [8, 8], [4, 4], [2, 2]];
  for (const [r, c] of limits) {
    const t = cpuBlock(m, n, r, c);
    const groups = Math.ceil(n / t.cols / t.wx) * Math.ceil(m / t.rows / t.wy) * batch;
    if (groups >= 16) return t;
  }
  return { rows: 1, cols: 1, wx: 8, wy: 1 };
}

/**
 * A block of at most r×c for 8 invocations per workgroup, sized so that rows and columns split evenly
 * (100 = 8 × 13 − 4 columns, not 7 × 16 + 12 padded; 100 = 4 × 25 rows, not 5 × 24). A narrow output
 * (under 8 blocks wide) spreads its columns over 2, 4 or 8 lanes and the rest of the workgroup over rows:
 * 10 columns as 2 × 5 ran the 2241 × 10 logits in 1.3 ms instead of 7 with one 24-wide block.
 */
function cpuBlock(m: number, n: number, r: number, c: number): MatmulTiling {
  const rows = Math.ceil(m / Math.ceil(m / r));
  const wide = Math.ceil(n / c);
  const wx = wide >= 8 ? 8 : Math.max(2, 2 ** Math.ceil(Math.log2(wide)));
  const cols = Math.ceil(n / (wx * Math.ceil(n / (wx * c))));
  return { rows, cols, wx, wy: 8 / wx };
}

/** Number of consecutive elements one invocation reduces in the split-d reduction kernels. */
export function reductionChunk(gpu: Gpu): number {
  return gpu.isCpu ? 1024 : 256;
}

/**
 * Consecutive elements of a row one invocation handles in the element-wise row kernels (clip, regularise,
 * momentum, the attacks' rows): on llvmpipe 1024, about twice as fast as one invocation per element or per
 * column looping over the rows (27 × 79,510 clipped in 8 ms instead of 17); on a GPU one, so that
 * neighbouring lanes touch neighbouring addresses (more only for rows longer than one grid dimension).
 */
export function elementChunk(gpu: Gpu, length: number): number {
  if (gpu.isCpu) return 1024;
  // At most one grid dimension of workgroups of 64 lanes per row.
  return Math.max(1, Math.ceil(length / (64 * gpu.limits.maxComputeWorkgroupsPerDimension)));
}

/**
 * Columns one invocation handles in the column-statistics kernels (each column loops over the rows): on a
 * GPU one, so that neighbouring lanes read neighbouring addresses; on llvmpipe 256 contiguous columns per
 * lane ran 27 × 79,510 in 5.5 ms instead of 7.4 (fewer, longer invocations).
 */
export function columnChunk(gpu: Gpu): number {
  return gpu.isCpu ? 256 : 1;
}

/** Workgroup size of the one-invocation-per-element kernels. */
export function elementwiseGroup(gpu: Gpu): number {
  return gpu.isCpu ? 64 : 256;
}

/** Distance kernels: register block (block × block pairs per lane), split-d chunk, lanes per workgroup. */
export interface DistanceTiling {
  readonly block: number;
  readonly chunk: number;
  readonly wg: number;
}

/** Chooses the pairwise-distance tiling for `n` rows on this adapter. */
export function distanceTiling(gpu: Gpu, n: number): DistanceTiling {
  if (!gpu.isCpu) return { block: 4, chunk: 256, wg: 64 };
  // llvmpipe: blocks of up to 17 rows that split n evenly, over 256-coordinate chunks. For n = 51 (3 × 17)
  // this ran the distances in 31–35 ms against 48–54 ms with 13 × 13 blocks (interleaved A/B in one
  // process, best of 6; 26-row blocks: 34–39 ms). Small n keep small blocks, without duplicate rows.
  return { block: n <= 4 ? 4 : n <= 8 ? 8 : Math.ceil(n / Math.ceil(n / 17)), chunk: 256, wg: 64 };
}

/** Convolution register block: output channels × output columns per invocation, lanes per workgroup. */
export interface ConvTiling {
  readonly rows: number;
  readonly cols: number;
  readonly wx: number;
}

/**
 * Chooses the convolution block for `outC` output channels and rows of `outW` columns. On llvmpipe, 16×16
 * blocks with 16 lanes measured best among 8–32 × 4–32 (c. 18 GFLOP/s on 2 cores for empire-cnn's 64→64
 * layer, against 10–12 for 8×16 or 32×8), and 16×32 with 8 lanes 10–20 % faster again on 32-wide rows;
 * smaller blocks are taken where they waste fewer padded channels or columns. The channel block is a
 * multiple of 4 (weights are read as vec4s).
 */
export function convTiling(gpu: Gpu, outC: number, outW: number): ConvTiling {
  if (!gpu.isCpu) return { rows: 4, cols: Math.min(4, outW), wx: 64 };
  const cols = leastPadding(outW, [32, 16, 12, 8], 1);
  return { rows: leastPadding(outC, [16, 12, 8], 4), cols, wx: cols >= 32 ? 8 : 16 };
}

/** The candidate block (largest first) that pads `n` the least; below them, `n` rounded up to `unit`. */
function leastPadding(n: number, candidates: readonly number[], unit: number): number {
  if (n <= candidates[candidates.length - 1]) return Math.ceil(n / unit) * unit;
  return candidates.reduce((best, b) => Math.ceil(n / b) * b < Math.ceil(n / best) * best ? b : best);
}

/** Weight-gradient block: output × input channels per invocation, columns per step, loop budget. */
export interface ConvWeightGradTiling {
  readonly rows: number;
  readonly inputs: number;
  readonly unroll: number;
  readonly wx: number;
  /** Most loop iterations one invocation may run (llvmpipe stops loops after 65,535 in all). */
  readonly maxTrips: number;
}

/**
 * Chooses the weight-gradient block for a layer with `inC` input channels and `taps` kernel taps
 * (`vec4`: rows read as vec4s).
 */
export function convWeightGradTiling(
  gpu: Gpu,
  inC: number,
  taps: number,
  vec4: boolean,
): ConvWeightGradTiling {
  const unroll = vec4 ? 8 : 4;
  if (!gpu.isCpu) return { rows: 4, inputs: Math.min(2, inC), unroll, wx: 64, maxTrips: 2048 };
  // 16 output × 2 input channels × 9 taps = 288 accumulators: about 2× faster than 4 × 4 on empire-cnn's
  // layers (measured 4×4, 8×2, 8×4, 8×8, 16×1, 16×2, 16×4, 32×1, 32×2; 16×2, 16×4 and 32×2 tie). Larger
  // kernels get fewer output channels to stay near that many accumulators.
  const inputs = Math.min(2, inC);
  const rows = [16, 8, 4].find((r) => r * inputs * taps <= 288) ?? 4;
  return { rows, inputs, unroll, wx: 8, maxTrips: 8192 };
}
