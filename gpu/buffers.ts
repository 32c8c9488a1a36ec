/**
 * GPU buffer helpers: storage buffers, parameter blocks and batched readback.
 */
import type { Gpu } from "./device.ts";

const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A region of a buffer, as bound to a shader or read back. */
export interface Region {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/** Creates a zero-filled storage buffer of `bytes` bytes (rounded up to 16). */
export function storageBuffer(gpu: Gpu, bytes: number, label: string): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (size > gpu.limits.maxBufferSize) {
    throw new Error(
      `buffer '${label}' needs ${size} bytes, over the adapter's limit ${gpu.limits.maxBufferSize}`,
    );
  }
  return gpu.device.createBuffer({ size, usage: STORAGE, label });
}

/** Creates a storage buffer holding a copy of `data`. */
export function uploadBuffer(gpu: Gpu, data: ArrayBufferView, label: string): GPUBuffer {
  const buffer = storageBuffer(gpu, data.byteLength, label);
  writeBuffer(gpu, buffer, 0, data);
  return buffer;
}

/** Queues a write of `data` at `offset` (bytes); lengths are padded to a multiple of 4 bytes. */
export function writeBuffer(gpu: Gpu, buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
  let bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength % 4 !== 0) {
    const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
    padded.set(bytes);
    bytes = padded;
  }
  gpu.device.queue.writeBuffer(buffer, offset, bytes);
}

/**
 * Builds a uniform parameter block of 4-byte scalars, in the order of the WGSL struct's fields.
 *
 * @example
 * ```ts
 * const params = new Params().u32(rows).u32(cols).f32(0.5).create(gpu, "scale");
 * ```
 */
export class Params {
  readonly #words: number[] = [];
  readonly #kinds: ("u" | "i" | "f")[] = [];

  /** Appends an unsigned 32-bit field. */
  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`bad u32 ${value}`);
    return this.#push(value, "u");
  }

  /** Appends a signed 32-bit field. */
  i32(value: number): this {
    if (!Number.isInteger(value)) throw new RangeError(`bad i32 ${value}`);
    return this.#push(value, "i");
  }

  /** Appends a 32-bit float field. */
  f32(value: number): this {
    return this.#push(value, "f");
  }

  /** The packed bytes (padded to 16). */
  bytes(): Uint8Array<ArrayBuffer> {
    const count = Math.max(4, Math.ceil(this.#words.length / 4) * 4);
    const out = new ArrayBuffer(count * 4);
    const u = new Uint32Array(out), i = new Int32Array(out), f = new Float32Array(out);
    this.#words.forEach((w, k) => {
      const kind = this.#kinds[k];
      if (kind === "u") u[k] = w;
      else if (kind === "i") i[k] = w;
      else f[k] = w;
    });
    return new Uint8Array(out);
  }

  /** Creates a uniform buffer holding the block. */
  create(gpu: Gpu, label: string): GPUBuffer {
    const data = this.bytes();
    const buffer = gpu.device.createBuffer({
      size: data.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label,
    });
    gpu.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  #push(value: number, kind: "u" | "i" | "f"): this {
    this.#words.push(value);
    this.#kinds.push(kind);
    return this;
  }
}

/**
 * Reads several buffer regions back with one copy and one map (one ~11 ms round trip for all of them).
 * The staging buffer is reused between calls of the same reader.
 */
export class Reader {
  #staging: GPUBuffer | undefined;
  constructor(private readonly gpu: Gpu) {}

  /** Returns a copy of each region's bytes, in order. */
  async read(regions: readonly Region[]): Promise<ArrayBuffer[]> {
    const total = regions.reduce((sum, r) => sum + align4(r.size), 0);
    if (!this.#staging || this.#staging.size < total) {
      this.#staging?.destroy();
      this.#staging = this.gpu.device.createBuffer({
        size: Math.max(16, align4(total)),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        label: "readback",
      });
    }
    const staging = this.#staging;
    const encoder = this.gpu.device.createCommandEncoder();
    let at = 0;
    for (const r of regions) {
      encoder.copyBufferToBuffer(r.buffer, r.offset, staging, at, align4(r.size));
      at += align4(r.size);
    }
    this.gpu.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, align4(total));
    const mapped = staging.getMappedRange(0, align4(total));
    const out: ArrayBuffer[] = [];
    at = 0;
    for (const r of regions) {
      out.push(mapped.slice(at, at + r.size));
      at += align4(r.size);
    }
    staging.unmap();
    return out;
  }

  /** Releases the staging buffer. */
  destroy(): void {
    this.#staging?.destroy();
    this.#staging = undefined;
  }
}

/** Reads a whole float32 buffer (or its first `count` floats) back; a convenience for tests. */
export async function readFloats(
  gpu: Gpu,
  buffer: GPUBuffer,
  count: number,
  offset = 0,
): Promise<Float32Array> {
  const reader = new Reader(gpu);
  const [bytes] = await reader.read([{ buffer, offset: offset * 4, size: count * 4 }]);
  reader.destroy();
  return new Float32Array(bytes);
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
