/**
 * Grid helpers shared by the kernel wrappers: one invocation per element over a 2-D grid of 1-D groups.
 */
import type { Gpu } from "../gpu/device.ts";
import { bind, type Dispatch, grid } from "../gpu/kernel.ts";
import { elementwiseGroup } from "../gpu/tuning.ts";
import type { Params, Region } from "../gpu/buffers.ts";

/**
 * Binds `shaders/<shader>` (or generated `code`, cached under the name `shader`) with one invocation per
 * element of `count` (uses `flat_id` in the shader).
 */
export function perElement(
  gpu: Gpu,
  shader: string,
  params: Params,
  buffers: readonly (GPUBuffer | Region)[],
  count: number,
  constants: Record<string, number> = {},
  source: { readonly code?: string; readonly entry?: string } = {},
): Dispatch {
  const wg = elementwiseGroup(gpu);
  const [x, y] = grid(Math.ceil(count / wg));
  return bind(
    gpu,
    { shader, code: source.code, entry: source.entry, constants: { ...constants, WG: wg } },
    [params.create(gpu, shader), ...buffers],
    [
      x,
      y,
    ],
  );
}

/**
 * Binds a chunked row kernel of `shaders/<shader>`: the lane (c, r) handles chunk c (CH = `ch` consecutive
 * elements) of row r, for `chunks` chunks per row and `rows` rows, in workgroups of 64 lanes along the chunks.
 */
export function perRowChunk(
  gpu: Gpu,
  shader: string,
  params: Params,
  buffers: readonly (GPUBuffer | Region)[],
  rows: number,
  chunks: number,
  ch: number,
  constants: Record<string, number> = {},
): Dispatch {
  return perGroup(gpu, shader, params, buffers, [Math.ceil(chunks / 64), rows], {
    ...constants,
    CH: ch,
    WG: 64,
  });
}

/** Binds `shaders/<shader>` over an explicit grid of workgroups of 64 (x) invocations. */
export function perGroup(
  gpu: Gpu,
  shader: string,
  params: Params,
  buffers: readonly (GPUBuffer | Region)[],
  groups: readonly [number, number?, number?],
  constants: Record<string, number> = {},
): Dispatch {
  return bind(gpu, { shader, constants }, [params.create(gpu, shader), ...buffers], groups);
}
