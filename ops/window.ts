/**
 * Windows of per-sample buffers: a dispatch over samples [first, first + count) binds only that part of
 * each buffer (a storage binding is at most 128 MiB on llvmpipe), from an offset rounded down to the
 * binding alignment; the remainder is passed to the kernel as an element offset.
 */
import type { Gpu } from "../gpu/device.ts";
import type { Region } from "../gpu/buffers.ts";

/** A bound part of a float32 buffer and the index, within it, of the first element the kernel uses. */
export interface Window {
  readonly region: Region;
  /** Element offset of the window's first element inside `region`. */
  readonly off: number;
}

/** The elements [start, start + length) of `buffer`, with their binding region. */
export function window(gpu: Gpu, buffer: GPUBuffer, start: number, length: number): Window {
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  const byteStart = start * 4;
  const offset = Math.floor(byteStart / align) * align;
  const size = Math.ceil((byteStart + length * 4 - offset) / 4) * 4;
  if (size > gpu.limits.maxStorageBufferBindingSize) {
    throw new Error(`window of ${size} bytes of '${buffer.label}' exceeds the storage binding limit`);
  }
  return {
    region: { buffer, offset, size: Math.min(size, buffer.size - offset) },
    off: (byteStart - offset) / 4,
  };
}

/** Samples [first, first + count) of a buffer holding `perSample` floats per sample. */
export function samples(
  gpu: Gpu,
  buffer: GPUBuffer,
  perSample: number,
  first: number,
  count: number,
): Window {
  return window(gpu, buffer, first * perSample, count * perSample);
}
