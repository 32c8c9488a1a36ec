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

/** Chooses the matmul tiling for an output of `m`×`n` (times `batch`) on this adapter. */
export function matmulTiling(gpu: Gpu, m: number, n: number, batch: number): MatmulTiling {
  if (!gpu.isCpu) return { rows: 4, cols: 4, wx: 16, wy: 8 };
  // On the CPU: the largest block that still leaves at least 16 workgroups of 8x1 invocations (16x16
  // blocks measured 1.5-2x faster than 8x8 on the MLP shapes; larger ones spill registers).
  for (const b of [16, 8, 4, 2]) {
    const groups = Math.ceil(n / b / 8) * Math.ceil(m / b) * batch;
    if (groups >= 16) return { rows: b, cols: b, wx: 8, wy: 1 };
  }
  return { rows: 1, cols: 1, wx: 8, wy: 1 };
}

/** Number of consecutive elements one invocation reduces in the split-d reduction kernels. */
export function reductionChunk(gpu: Gpu): number {
  return gpu.isCpu ? 1024 : 256;
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
  // llvmpipe: 13×13 blocks of 1024-coordinate chunks measured best for n = 51 (notes §4); smaller blocks for
  // small n avoid recomputing clamped duplicate rows.
  return { block: n <= 4 ? 4 : n <= 8 ? 8 : 13, chunk: 1024, wg: 64 };
}
