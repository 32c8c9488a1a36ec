/**
 * What a model is for the simulator: its flat parameter layout (spec 5.1: one float32 vector in PyTorch
 * registration order) and the GPU passes that run it batched over all workers at once.
 */
import type { Gpu } from "../gpu/device.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import type { Rng } from "../data/rng.ts";

/** One parameter tensor and how PyTorch 1.2 initialises it. */
export interface ParamTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** `fanin`: U(−1/√fanIn, 1/√fanIn) (Linear/Conv weights and biases); `ones`/`zeros` (BatchNorm). */
  readonly init: "fanin" | "ones" | "zeros";
  readonly fanIn: number;
}

/** GPU buffers and dispatches of one batched pass (training: forward + backward; evaluation: forward). */
export interface ModelPasses {
  /** Input batch, samples × (channels·height·width), filled by the caller. */
  readonly input: GPUBuffer;
  /** Output log-probabilities or logits, samples × classes. */
  readonly logits: GPUBuffer;
  /** Gradient of the loss w.r.t. the logits, filled by the caller before `backward` (training only). */
  readonly dLogits?: GPUBuffer;
  readonly forward: readonly Dispatch[];
  /** Writes worker w's gradient into row w of the gradient matrix (training only). */
  readonly backward: readonly Dispatch[];
  /** Queues the step number that seeds this step's dropout masks (training mode only; call before submitting). */
  readonly setStep?: (step: number) => void;
}

/**
 * Training mode (the corrected behaviour): BatchNorm normalises each worker's batch with its own statistics
 * and dropout is active. Without it, passes run in evaluation mode like the reference (spec 5.1, QUIRK 3).
 */
export interface TrainingMode {
  /** Run seed: dropout masks depend on (seed, step, layer, worker, element). */
  readonly seed: number;
  /** Batch words holding each worker's number of valid rows (u32 at `countOffset + w`); later rows are padding. */
  readonly batch: GPUBuffer;
  readonly countOffset: number;
}

/** How to build passes: `samples` = workers × perWorker rows; gradients go to `gradients` (rows `stride` apart). */
export interface PassOptions {
  readonly theta: GPUBuffer;
  /**
   * 0 (default): all workers share the parameters `theta`. Otherwise worker w's parameters start at
   * `w · thetaStride` (local SGD steps, per-worker Nesterov look-ahead).
   */
  readonly thetaStride?: number;
  readonly workers: number;
  readonly perWorker: number;
  readonly gradients?: { readonly buffer: GPUBuffer; readonly stride: number };
  readonly training?: TrainingMode;
  /**
   * The model's state buffer (`Model.initialState`: BatchNorm running statistics), shared by every set of
   * passes of one run: training passes update it, all passes read it. Passes built without one get their
   * own, initialised.
   */
  readonly state?: GPUBuffer;
}

/** A model of the registry. */
export interface Model {
  readonly name: string;
  readonly input: { readonly channels: number; readonly height: number; readonly width: number };
  readonly classes: number;
  readonly tensors: readonly ParamTensor[];
  /**
   * Initial value of the state training changes besides the parameters (BatchNorm running statistics, in
   * training mode); absent when the model has none.
   */
  initialState?(): Float32Array;
  build(gpu: Gpu, options: PassOptions): ModelPasses;
}

/** Number of parameters d. */
export function parameterCount(model: Pick<Model, "tensors">): number {
  return model.tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}

/** Offset of each tensor in the flat vector, by name. */
export function parameterOffsets(model: Pick<Model, "tensors">): Map<string, number> {
  const offsets = new Map<string, number>();
  let at = 0;
  for (const t of model.tensors) {
    offsets.set(t.name, at);
    at += t.shape.reduce((a, b) => a * b, 1);
  }
  return offsets;
}

/** Draws the initial flat parameter vector with PyTorch's default distributions (our own PRNG). */
export function initialParameters(model: Pick<Model, "tensors">, rng: Rng): Float32Array {
  const theta = new Float32Array(parameterCount(model));
  let at = 0;
  for (const t of model.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(t.fanIn);
    for (let i = 0; i < size; i++) {
      theta[at + i] = t.init === "ones" ? 1 : t.init === "zeros" ? 0 : rng.uniform(-bound, bound);
    }
    at += size;
  }
  return theta;
}
