/**
 * Convolutional networks (spec 5.1): a trunk of Conv2d → ReLU, BatchNorm, max-pooling and dropout layers,
 * flattened channel-major into a head of Linear (→ ReLU) and dropout layers, on the GPU, batched over the
 * workers like the fully connected models.
 *
 * Memory: a storage binding holds at most 128 MiB on llvmpipe, and one trunk activation of 1,000 CIFAR
 * images is 262 MB. The trunk therefore runs over chunks of whole workers (or of samples, for forward-only
 * passes with one large batch), each dispatch binding only its chunk's part of each buffer. Training passes
 * keep every trunk activation for the backward pass and ping-pong the gradients between two chunk-sized
 * scratch buffers; forward-only passes ping-pong the activations too.
 *
 * Modes (spec 5.1, QUIRK 3): without `PassOptions.training` the passes run in evaluation mode like the
 * reference (dropout is the identity, BatchNorm uses the running statistics). With it, BatchNorm normalises
 * each worker's batch with its own statistics, dropout draws its masks from (seed, step, layer, worker,
 * element), and the running statistics are updated after each forward pass from every worker's statistics
 * in worker order, as the reference's sequential per-worker passes would in train mode. The running
 * statistics are the model's state (`Model.initialState`, `PassOptions.state`): per BatchNorm layer in
 * order, C means then C variances.
 */
import type { Gpu } from "../gpu/device.ts";
import { storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import { matmul, rowMajor, transposed } from "../ops/matmul.ts";
import { colsum, reluBackward } from "../ops/nn.ts";
import {
  convForward,
  type ConvGeometry,
  convInputGrad,
  convOutput,
  type ConvParams,
  convWeightGrad,
  type PreparedWeights,
  prepareWeights,
} from "../ops/conv.ts";
import { maxPoolBackward, maxPoolForward, type PoolGeometry, poolOutput } from "../ops/pool.ts";
import {
  batchNormBackward,
  type BatchNormContext,
  batchNormForward,
  type BatchNormLayer,
  batchNormRunning,
  batchNormStats,
  channelGradients,
} from "../ops/batchnorm.ts";
import { dropout, type DropoutKey } from "../ops/dropout.ts";
import { samples, type Window, window } from "../ops/window.ts";
import {
  type Model,
  type ModelPasses,
  parameterOffsets,
  type ParamTensor,
  type PassOptions,
} from "./model.ts";

/** One layer of a network description. */
export type Layer =
  /** Conv2d (square kernel `k`, stride 1 unless given, zero padding `pad`) followed by a ReLU. */
  | {
    readonly kind: "conv";
    readonly name: string;
    readonly out: number;
    readonly k: number;
    readonly pad: number;
    readonly stride?: number;
  }
  | { readonly kind: "bn"; readonly name: string }
  /** MaxPool2d(k): window and stride `k`. */
  | { readonly kind: "pool"; readonly k: number }
  | { readonly kind: "dropout"; readonly p: number }
  /** Linear, followed by a ReLU when `relu`; the first one flattens the trunk's output. */
  | { readonly kind: "linear"; readonly name: string; readonly out: number; readonly relu: boolean };

/** Channels, height and width of a tensor per sample. */
interface Shape {
  readonly C: number;
  readonly H: number;
  readonly W: number;
}

const size = (s: Shape) => s.C * s.H * s.W;

/** A trunk layer with its input and output shapes. */
interface TrunkLayer {
  readonly layer: Exclude<Layer, { kind: "linear" }>;
  readonly index: number;
  readonly input: Shape;
  readonly output: Shape;
}

/** Builds a network: `layers` in order, the last being a Linear without ReLU (its outputs are the logits). */
export function cnn(name: string, input: Model["input"], layers: readonly Layer[]): Model {
  const tensors: ParamTensor[] = [];
  const trunk: TrunkLayer[] = [];
  let shape: Shape = { C: input.channels, H: input.height, W: input.width };
  let features = 0;
  layers.forEach((layer, index) => {
    if (layer.kind === "linear") {
      const inputs = features || size(shape);
      tensors.push({
        name: `${layer.name}.weight`,
        shape: [layer.out, inputs],
        init: "fanin",
        fanIn: inputs,
      });
      tensors.push({ name: `${layer.name}.bias`, shape: [layer.out], init: "fanin", fanIn: inputs });
      features = layer.out;
      return;
    }
    if (features > 0 && layer.kind !== "dropout") {
      throw new Error(`${name}: ${layer.kind} after a linear layer`);
    }
    if (features > 0) return;
    const before = shape;
    if (layer.kind === "conv") {
      const fanIn = shape.C * layer.k * layer.k;
      tensors.push({
        name: `${layer.name}.weight`,
        shape: [layer.out, shape.C, layer.k, layer.k],
        init: "fanin",
        fanIn,
      });
      tensors.push({ name: `${layer.name}.bias`, shape: [layer.out], init: "fanin", fanIn });
      const { outH, outW } = convOutput(convGeometry(layer, shape));
      shape = { C: layer.out, H: outH, W: outW };
      const next = layers[index + 1]?.kind;
      // The ReLU's backward is fused into the next layer's (see below).
      if (next !== "bn" && next !== "pool") {
        throw new Error(`${name}: a convolution must be followed by bn or pool`);
      }
    } else if (layer.kind === "bn") {
      tensors.push({ name: `${layer.name}.weight`, shape: [shape.C], init: "ones", fanIn: 1 });
      tensors.push({ name: `${layer.name}.bias`, shape: [shape.C], init: "zeros", fanIn: 1 });
    } else if (layer.kind === "pool") {
      const { OH, OW } = poolOutput(poolGeometry(layer, shape));
      shape = { C: shape.C, H: OH, W: OW };
    }
    trunk.push({ layer, index, input: before, output: shape });
  });
  const last = layers[layers.length - 1];
  if (last.kind !== "linear" || last.relu) {
    throw new Error(`${name}: the last layer must be a linear one without ReLU`);
  }
  const norms = trunk.filter((t) => t.layer.kind === "bn").map((t) => t.output.C);
  const model: Model = {
    name,
    input,
    classes: last.out,
    tensors,
    ...(norms.length > 0 && { initialState: () => runningInit(norms) }),
    build: (gpu, options) => new Builder(gpu, model, layers, trunk, options).passes(),
  };
  return model;
}

/** Running statistics of BatchNorm layers of `channels` channels: means 0, variances 1 (PyTorch's start). */
function runningInit(channels: readonly number[]): Float32Array {
  const init = new Float32Array(channels.reduce((a, C) => a + 2 * C, 0));
  let at = 0;
  for (const C of channels) {
    init.fill(1, at + C, at + 2 * C);
    at += 2 * C;
  }
  return init;
}

function convGeometry(layer: Extract<Layer, { kind: "conv" }>, s: Shape): ConvGeometry {
  return {
    inC: s.C,
    outC: layer.out,
    inH: s.H,
    inW: s.W,
    kh: layer.k,
    kw: layer.k,
    stride: layer.stride ?? 1,
    pad: layer.pad,
  };
}

function poolGeometry(layer: Extract<Layer, { kind: "pool" }>, s: Shape): PoolGeometry {
  return { H: s.H, W: s.W, k: layer.k, stride: layer.k };
}

/** A range of samples processed by one round of trunk dispatches. */
interface Chunk {
  readonly first: number;
  readonly count: number;
}

/** Records the dispatches of one model's passes. */
class Builder {
  readonly #offsets: Map<string, number>;
  readonly #samples: number;
  readonly #ts: number;
  readonly #keep: boolean;
  readonly #chunks: Chunk[];
  readonly #chunkCap: number;
  readonly #bn: BatchNormContext;
  readonly #bnLayers = new Map<number, BatchNormLayer>();
  readonly #dropouts = new Map<number, DropoutKey>();
  readonly #step: GPUBuffer | undefined;
  readonly #input: GPUBuffer;
  /** Output of each trunk layer (training passes; dropout layers have none: they work in place). */
  readonly #acts = new Map<number, GPUBuffer>();
  readonly #scratch: GPUBuffer[];
  readonly #flat: GPUBuffer;
  readonly #partial: GPUBuffer;
  /** Position in `trunk` of the last layer that is not a dropout (it writes the flattened features). */
  readonly #lastProducer: number;

  constructor(
    private readonly gpu: Gpu,
    private readonly model: Model,
    private readonly layers: readonly Layer[],
    private readonly trunk: readonly TrunkLayer[],
    private readonly o: PassOptions,
  ) {
    this.#offsets = parameterOffsets(model);
    this.#samples = o.workers * o.perWorker;
    this.#ts = o.thetaStride ?? 0;
    this.#keep = o.gradients !== undefined;
    const perSample = Math.max(...trunk.map((t) => size(t.output)), size(trunk[0].input));
    this.#chunkCap = Math.floor(gpu.limits.maxStorageBufferBindingSize / (4 * perSample));
    this.#chunks = this.#planChunks();
    const count = this.#samples, cap = Math.min(this.#chunkCap, count);
    const { C, H, W } = trunk[0].input;
    this.#input = storageBuffer(gpu, count * C * H * W * 4, `${model.name}-input`);
    const flatSize = size(trunk[trunk.length - 1].output);
    if (count * flatSize * 4 > gpu.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `${model.name}: ${count} samples of ${flatSize} features exceed the storage binding limit`,
      );
    }
    this.#flat = storageBuffer(gpu, count * flatSize * 4, `${model.name}-flat`);
    this.#lastProducer = trunk.findLastIndex((t) => t.layer.kind !== "dropout");
    this.#scratch = Array.from(
      { length: 2 },
      (_, i) => storageBuffer(gpu, cap * perSample * 4, `${model.name}-scratch-${i}`),
    );
    if (this.#keep) {
      trunk.forEach((t, i) => {
        if (t.layer.kind !== "dropout" && i !== this.#lastProducer) {
          this.#acts.set(
            t.index,
            storageBuffer(gpu, count * size(t.output) * 4, `${model.name}-act-${t.index}`),
          );
        }
      });
    }
    const channels = Math.max(...trunk.map((t) => t.output.C));
    this.#partial = storageBuffer(gpu, cap * channels * 2 * 4, `${model.name}-channel-partial`);

    // BatchNorm: running statistics (mean 0, variance 1 at first) and, in training mode, batch statistics.
    let runOff = 0;
    for (const t of trunk) {
      if (t.layer.kind !== "bn") continue;
      const name = t.layer.name;
      this.#bnLayers.set(t.index, {
        C: t.output.C,
        HW: t.output.H * t.output.W,
        gammaOff: this.#offset(`${name}.weight`),
        betaOff: this.#offset(`${name}.bias`),
        runOff,
      });
      runOff += 2 * t.output.C;
    }
    const running = o.state ??
      uploadBuffer(gpu, model.initialState?.() ?? new Float32Array(4), `${model.name}-running-statistics`);
    const train = o.training && {
      stats: storageBuffer(gpu, o.workers * channels * 6 * 4, `${model.name}-batch-statistics`),
      batch: o.training.batch,
      countOffset: o.training.countOffset,
    };
    this.#bn = {
      theta: o.theta,
      thetaStride: this.#ts,
      perWorker: o.perWorker,
      running,
      train: train || undefined,
    };
    if (o.training) {
      this.#step = gpu.device.createBuffer({
        size: 16,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        label: "dropout-step",
      });
      layers.forEach((layer, index) => {
        if (layer.kind === "dropout") {
          this.#dropouts.set(index, { seed: o.training!.seed, layer: index, p: layer.p });
        }
      });
    }
  }

  /** The forward (and, with gradients, backward) dispatches. */
  passes(): ModelPasses {
    const forward = [
      ...this.#prepare("forward"),
      ...this.#chunks.flatMap((c) => this.#trunkForward(c)),
      ...this.#runningUpdates(),
    ];
    const head = this.#headForward();
    forward.push(...head.dispatches);
    const base = { input: this.#input, logits: head.logits, forward, setStep: this.#setStep() };
    if (!this.#keep) return { ...base, backward: [] };
    const back = this.#headBackward(head.outputs);
    const backward = [
      ...back.dispatches,
      ...this.#prepare("input"),
      ...this.#chunks.flatMap((c) => this.#trunkBackward(c)),
    ];
    return { ...base, dLogits: back.dLogits, backward };
  }

  /** Where each convolution finds its parameters. */
  #convParams(l: Extract<Layer, { kind: "conv" }>): ConvParams {
    return {
      theta: this.o.theta,
      wOff: this.#offset(`${l.name}.weight`),
      biasOff: this.#offset(`${l.name}.bias`),
      thetaStride: this.#ts,
      perWorker: this.o.perWorker,
    };
  }

  /** Re-lays out every convolution's weights for `pass` (the first layer has no input gradient). */
  #prepare(pass: "forward" | "input"): Dispatch[] {
    const out: Dispatch[] = [];
    this.trunk.forEach((t, i) => {
      if (t.layer.kind !== "conv" || (pass === "input" && i === 0)) return;
      const prepared = prepareWeights(
        this.gpu,
        convGeometry(t.layer, t.input),
        this.#convParams(t.layer),
        pass,
        this.o.workers,
      );
      this.#weights.set(`${pass}-${t.index}`, prepared);
      out.push(prepared.dispatch);
    });
    return out;
  }

  readonly #weights = new Map<string, PreparedWeights>();

  #setStep(): ((step: number) => void) | undefined {
    const buffer = this.#step;
    if (!buffer) return undefined;
    return (step) => this.gpu.device.queue.writeBuffer(buffer, 0, new Uint32Array([step, 0, 0, 0]));
  }

  #offset(name: string): number {
    return this.#offsets.get(name)!;
  }

  /** Whole workers per chunk when a worker fits (always when training), else fixed-size sample ranges. */
  #planChunks(): Chunk[] {
    const o = this.o, cap = this.#chunkCap;
    if (o.perWorker > cap && (this.#keep || o.training)) {
      throw new Error(
        `${this.model.name}: at most ${cap} samples per worker fit the GPU's storage binding limit, got ${o.perWorker}`,
      );
    }
    const step = o.perWorker <= cap ? Math.floor(cap / o.perWorker) * o.perWorker : cap;
    const chunks: Chunk[] = [];
    for (let first = 0; first < this.#samples; first += step) {
      chunks.push({ first, count: Math.min(step, this.#samples - first) });
    }
    return chunks;
  }

  /**
   * Where trunk layer `i` (position in `trunk`, not a dropout) writes its output for chunk `c`: the last
   * one into the flattened features, the others into their own buffer (training) or alternately into the
   * two scratch buffers (forward only).
   */
  #output(i: number, c: Chunk): Window {
    const t = this.trunk[i], per = size(t.output);
    if (i === this.#lastProducer) return samples(this.gpu, this.#flat, per, c.first, c.count);
    if (this.#keep) return samples(this.gpu, this.#acts.get(t.index)!, per, c.first, c.count);
    const ordinal = this.trunk.slice(0, i).filter((u) => u.layer.kind !== "dropout").length;
    return samples(this.gpu, this.#scratch[ordinal % 2], per, 0, c.count);
  }

  /** Where trunk layer `i`'s input is for chunk `c` (the previous non-dropout layer's output). */
  #inputOf(i: number, c: Chunk): Window {
    for (let j = i - 1; j >= 0; j--) {
      if (this.trunk[j].layer.kind !== "dropout") return this.#output(j, c);
    }
    return samples(this.gpu, this.#input, size(this.trunk[0].input), c.first, c.count);
  }

  #trunkForward(c: Chunk): Dispatch[] {
    const out: Dispatch[] = [];
    const gpu = this.gpu, o = this.o;
    this.trunk.forEach((t, i) => {
      const l = t.layer, X = this.#inputOf(i, c);
      if (l.kind === "dropout") {
        const key = this.#dropouts.get(t.index);
        if (key) out.push(dropout(gpu, key, this.#step!, c.count, size(t.output), o.perWorker, c.first, X));
        return;
      }
      const Y = this.#output(i, c);
      if (l.kind === "conv") {
        const weights = this.#weights.get(`forward-${t.index}`)!;
        out.push(
          convForward(
            gpu,
            convGeometry(l, t.input),
            this.#convParams(l),
            weights,
            c.count,
            c.first,
            X,
            Y,
            true,
          ),
        );
      } else if (l.kind === "bn") {
        const layer = this.#bnLayers.get(t.index)!;
        if (this.#bn.train) {
          out.push(
            ...batchNormStats(
              gpu,
              layer,
              this.#bn,
              c.count / o.perWorker,
              c.first / o.perWorker,
              X,
              this.#partial,
            ),
          );
        }
        out.push(batchNormForward(gpu, layer, this.#bn, c.count, c.first, X, Y));
      } else {
        out.push(maxPoolForward(gpu, poolGeometry(l, t.input), c.count * t.input.C, X, Y));
      }
    });
    return out;
  }

  #runningUpdates(): Dispatch[] {
    if (!this.#bn.train) return [];
    return [...this.#bnLayers.values()].map((l) => batchNormRunning(this.gpu, l, this.#bn, this.o.workers));
  }

  /** Linear layers over all samples at once (batched per worker when workers have their own θ). */
  #headForward(): { dispatches: Dispatch[]; logits: GPUBuffer; outputs: Map<number, GPUBuffer> } {
    const gpu = this.gpu, o = this.o, n = this.#samples;
    const dispatches: Dispatch[] = [];
    const outputs = new Map<number, GPUBuffer>();
    let X = this.#flat, width = size(this.trunk[this.trunk.length - 1].output);
    this.layers.forEach((l, index) => {
      if (index <= this.trunk[this.trunk.length - 1].index) return;
      if (l.kind === "dropout") {
        const key = this.#dropouts.get(index);
        if (key) {
          dispatches.push(
            dropout(gpu, key, this.#step!, n, width, o.perWorker, 0, window(gpu, X, 0, n * width)),
          );
        }
        return;
      }
      if (l.kind !== "linear") return;
      const Y = storageBuffer(gpu, n * l.out * 4, `${this.model.name}-${l.name}`);
      const [rows, batch] = this.#ts === 0 ? [n, 1] : [o.perWorker, o.workers];
      dispatches.push(matmul(
        gpu,
        {
          M: rows,
          N: l.out,
          K: width,
          batch,
          a: rowMajor(width, 0, rows * width),
          b: { ...transposed(width, this.#offset(`${l.name}.weight`)), batch: this.#ts },
          c: { off: 0, batch: rows * l.out, row: l.out },
          biasOff: this.#offset(`${l.name}.bias`),
          biasBatch: this.#ts,
          relu: l.relu,
        },
        X,
        o.theta,
        Y,
        o.theta,
      ));
      outputs.set(index, Y);
      X = Y;
      width = l.out;
    });
    return { dispatches, logits: X, outputs };
  }

  /** Backward through the head, ending with the flattened trunk output's gradient in `#scratch`-free `dflat`. */
  #headBackward(outputs: Map<number, GPUBuffer>): { dispatches: Dispatch[]; dLogits: GPUBuffer } {
    const gpu = this.gpu, o = this.o, n = this.#samples;
    const { buffer: G, stride } = o.gradients!;
    const dispatches: Dispatch[] = [];
    const linears = [...outputs.keys()];
    let dY = storageBuffer(gpu, n * this.model.classes * 4, `${this.model.name}-dlogits`);
    const dLogits = dY;
    for (let k = linears.length - 1; k >= 0; k--) {
      const index = linears[k], l = this.layers[index] as Extract<Layer, { kind: "linear" }>;
      const Y = outputs.get(index)!;
      // Dropout layers between this linear layer and the next one act on this layer's output.
      for (let j = linears[k + 1] ?? this.layers.length; j > index; j--) {
        const key = this.#dropouts.get(j);
        if (key) {
          dispatches.push(
            dropout(gpu, key, this.#step!, n, l.out, o.perWorker, 0, window(gpu, dY, 0, n * l.out)),
          );
        }
      }
      if (l.relu) dispatches.push(reluBackward(gpu, Y, dY, n * l.out));
      const X = k === 0 ? this.#flat : outputs.get(linears[k - 1])!;
      const width = k === 0
        ? size(this.trunk[this.trunk.length - 1].output)
        : (this.layers[linears[k - 1]] as { out: number }).out;
      const wOff = this.#offset(`${l.name}.weight`);
      // dW[w] = dY[w]ᵀ · X[w] into row w of G; db[w] = column sums of dY[w].
      dispatches.push(matmul(
        gpu,
        {
          M: l.out,
          N: width,
          K: o.perWorker,
          batch: o.workers,
          a: { off: 0, batch: o.perWorker * l.out, row: 1, col: l.out },
          b: rowMajor(width, 0, o.perWorker * width),
          c: { off: wOff, batch: stride, row: width },
        },
        dY,
        X,
        G,
      ));
      dispatches.push(
        colsum(gpu, dY, o.workers, o.perWorker, l.out, G, this.#offset(`${l.name}.bias`), stride),
      );
      const dX = storageBuffer(gpu, n * width * 4, `${this.model.name}-grad-${index}`);
      const [rows, batch] = this.#ts === 0 ? [n, 1] : [o.perWorker, o.workers];
      dispatches.push(matmul(
        gpu,
        {
          M: rows,
          N: width,
          K: l.out,
          batch,
          a: rowMajor(l.out, 0, rows * l.out),
          b: { ...rowMajor(width, wOff), batch: this.#ts },
          c: { off: 0, batch: rows * width, row: width },
        },
        dY,
        o.theta,
        dX,
      ));
      dY = dX;
    }
    this.#dFlat = dY;
    return { dispatches, dLogits };
  }

  #dFlat: GPUBuffer | undefined;

  #trunkBackward(c: Chunk): Dispatch[] {
    const gpu = this.gpu, o = this.o, out: Dispatch[] = [];
    const { buffer: G, stride } = o.gradients!;
    const dst = window(gpu, G, (c.first / o.perWorker) * stride, (c.count / o.perWorker) * stride);
    const workers = c.count / o.perWorker;
    let cur = samples(gpu, this.#dFlat!, size(this.trunk[this.trunk.length - 1].output), c.first, c.count);
    let free = 0;
    const next = (per: number) => samples(gpu, this.#scratch[free], per, 0, c.count);
    for (let i = this.trunk.length - 1; i >= 0; i--) {
      const t = this.trunk[i], l = t.layer;
      const afterConv = i > 0 && this.trunk[i - 1].layer.kind === "conv";
      if (l.kind === "dropout") {
        const key = this.#dropouts.get(t.index);
        if (key) out.push(dropout(gpu, key, this.#step!, c.count, size(t.output), o.perWorker, c.first, cur));
      } else if (l.kind === "pool") {
        const dX = next(size(t.input));
        out.push(
          maxPoolBackward(
            gpu,
            poolGeometry(l, t.input),
            c.count * t.input.C,
            this.#inputOf(i, c),
            cur,
            dX,
            afterConv,
          ),
        );
        [cur, free] = [dX, 1 - free];
      } else if (l.kind === "bn") {
        const layer = this.#bnLayers.get(t.index)!;
        const X = this.#inputOf(i, c);
        out.push(
          ...channelGradients(
            gpu,
            layer,
            this.#bn,
            c.count,
            c.first,
            cur,
            { layer, X },
            this.#partial,
            dst,
            stride,
            layer.betaOff,
            layer.gammaOff,
          ),
        );
        out.push(batchNormBackward(gpu, layer, this.#bn, c.count, c.first, X, cur, afterConv));
      } else {
        const g = convGeometry(l, t.input);
        const shape = { C: t.output.C, HW: t.output.H * t.output.W };
        out.push(
          ...channelGradients(
            gpu,
            shape,
            this.#bn,
            c.count,
            c.first,
            cur,
            null,
            this.#partial,
            dst,
            stride,
            this.#offset(`${l.name}.bias`),
          ),
        );
        out.push(
          ...convWeightGrad(
            gpu,
            g,
            workers,
            o.perWorker,
            this.#inputOf(i, c),
            cur,
            dst,
            this.#offset(`${l.name}.weight`),
            stride,
          ),
        );
        if (i > 0) {
          const dX = next(size(t.input));
          const weights = this.#weights.get(`input-${t.index}`)!;
          out.push(convInputGrad(gpu, g, this.#convParams(l), weights, c.count, c.first, cur, dX));
          [cur, free] = [dX, 1 - free];
        }
      }
    }
    return out;
  }
}
