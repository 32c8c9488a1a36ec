/**
 * Compute pipelines (cached per device) and the recorder that encodes many dispatches into one submit.
 *
 * A `Dispatch` is a pipeline with its bind group and grid fixed once; the training loop builds all of
 * them at setup and re-records the same list each step, so a step costs no allocation and no wait.
 */
import type { Gpu } from "./device.ts";
import type { Region } from "./buffers.ts";
import { loadShader } from "./shaders.ts";

/** Which WGSL to compile: a file of `shaders/` or generated code, with pipeline-overridable constants. */
export interface KernelSpec {
  /** File name in `shaders/`, or a cache key when `code` is given. */
  readonly shader: string;
  /** Generated WGSL (for kernels produced by a generator in `shaders/*.ts`). */
  readonly code?: string;
  readonly entry?: string;
  readonly constants?: Record<string, number>;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** Returns the compute pipeline for `spec`, compiling it on first use. */
export function pipeline(gpu: Gpu, spec: KernelSpec): GPUComputePipeline {
  let cache = pipelines.get(gpu.device);
  if (!cache) pipelines.set(gpu.device, cache = new Map());
  const key = `${spec.shader}|${spec.entry ?? "main"}|${JSON.stringify(spec.constants ?? {})}`;
  let result = cache.get(key);
  if (!result) {
    const module = gpu.device.createShaderModule({
      code: spec.code ?? loadShader(spec.shader),
      label: spec.shader,
    });
    result = gpu.device.createComputePipeline({
      layout: "auto",
      label: key,
      compute: { module, entryPoint: spec.entry ?? "main", constants: spec.constants },
    });
    cache.set(key, result);
  }
  return result;
}

/** A pipeline with its buffers bound and its grid chosen: ready to be recorded any number of times. */
export interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
}

/** Binds `bindings[i]` to `@binding(i)` of group 0 and fixes the grid. */
export function bind(
  gpu: Gpu,
  spec: KernelSpec,
  bindings: readonly (GPUBuffer | Region)[],
  workgroups: readonly [number, number?, number?],
): Dispatch {
  const p = pipeline(gpu, spec);
  const [x, y = 1, z = 1] = workgroups;
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (x > max || y > max || z > max) throw new Error(`${spec.shader}: grid ${x}x${y}x${z} exceeds ${max}`);
  const bindGroup = gpu.device.createBindGroup({
    layout: p.getBindGroupLayout(0),
    entries: bindings.map((b, binding) => ({
      binding,
      resource: b instanceof GPUBuffer ? { buffer: b } : { buffer: b.buffer, offset: b.offset, size: b.size },
    })),
  });
  return { pipeline: p, bindGroup, workgroups: [x, y, z] };
}

/** Splits `groups` workgroups over x and y so that neither exceeds the per-dimension limit. */
export function grid(groups: number, max = 65535): [number, number] {
  if (groups <= max) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / max);
  return [Math.ceil(groups / y), y];
}

/** Records dispatches and copies into one command buffer; `submit` hands it to the queue without waiting. */
export class Recorder {
  #encoder: GPUCommandEncoder;
  #pass: GPUComputePassEncoder | undefined;

  constructor(private readonly gpu: Gpu) {
    this.#encoder = gpu.device.createCommandEncoder();
  }

  /** Records one dispatch. */
  run(d: Dispatch): this {
    this.#pass ??= this.#encoder.beginComputePass();
    this.#pass.setPipeline(d.pipeline);
    this.#pass.setBindGroup(0, d.bindGroup);
    this.#pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    return this;
  }

  /** Records a buffer-to-buffer copy (byte offsets and size, multiples of 4). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): this {
    this.#endPass();
    this.#encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
    return this;
  }

  /** Records a zero fill. */
  clear(buffer: GPUBuffer, offset = 0, size?: number): this {
    this.#endPass();
    this.#encoder.clearBuffer(buffer, offset, size);
    return this;
  }

  /** Submits everything recorded so far and starts a new command buffer. */
  submit(): void {
    this.#endPass();
    this.gpu.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = this.gpu.device.createCommandEncoder();
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = undefined;
  }
}

/** Waits until the queue has finished all submitted work (one ~11 ms round trip in Deno). */
export function drain(gpu: Gpu): Promise<void> {
  return gpu.device.queue.onSubmittedWorkDone();
}
