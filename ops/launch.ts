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
