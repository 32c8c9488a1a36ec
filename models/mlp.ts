/**
 * Fully connected networks: Linear → ReLU → … → Linear, on the GPU, batched over the workers.
 * `simples-full` (spec 5.1) is 784 → 100 → 10 (79,510 parameters).
 */
import type { Gpu } from "../gpu/device.ts";
import { storageBuffer } from "../gpu/buffers.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import { matmul, rowMajor, transposed } from "../ops/matmul.ts";
import { colsum, reluBackward } from "../ops/nn.ts";
import {
  type Model,
  type ModelPasses,
  parameterOffsets,
  type ParamTensor,
  type PassOptions,
} from "./model.ts";

/** Builds a fully connected model with layer widths `widths` (input first, classes last). */
export function mlp(name: string, widths: readonly number[], input: Model["input"]): Model {
  const tensors: ParamTensor[] = [];
  for (let l = 1; l < widths.length; l++) {
    tensors.push({
      name: `f${l}.weight`,
      shape: [widths[l], widths[l - 1]],
      init: "fanin",
      fanIn: widths[l - 1],
    });
    tensors.push({ name: `f${l}.bias`, shape: [widths[l]], init: "fanin", fanIn: widths[l - 1] });
  }
  const model: Model = {
    name,
    input,
    classes: widths[widths.length - 1],
    tensors,
    build: (gpu, options) => buildPasses(gpu, model, widths, options),
  };
  return model;
}

function buildPasses(gpu: Gpu, model: Model, widths: readonly number[], o: PassOptions): ModelPasses {
  const samples = o.workers * o.perWorker;
  const offsets = parameterOffsets(model);
  const layers = widths.length - 1;
  // acts[l] = input of layer l+1 (acts[0] = batch input, acts[layers] = logits).
  const acts = widths.map((w, l) => storageBuffer(gpu, samples * w * 4, `activation-${l}`));
  const forward: Dispatch[] = [];
  // With per-worker parameters the products are batched over the workers (weights `ts` apart).
  const ts = o.thetaStride ?? 0;
  const [rows, batch] = ts === 0 ? [samples, 1] : [o.perWorker, o.workers];
  for (let l = 1; l <= layers; l++) {
    const [inW, outW] = [widths[l - 1], widths[l]];
    const shape = {
      M: rows,
      N: outW,
      K: inW,
      batch,
      a: rowMajor(inW, 0, rows * inW),
      b: { ...transposed(inW, offsets.get(`f${l}.weight`)!), batch: ts },
      c: { off: 0, batch: rows * outW, row: outW },
      biasOff: offsets.get(`f${l}.bias`)!,
      biasBatch: ts,
      relu: l < layers,
    };
    forward.push(matmul(gpu, shape, acts[l - 1], o.theta, acts[l], o.theta));
  }
  if (!o.gradients) return { input: acts[0], logits: acts[layers], forward, backward: [] };

  const { buffer: G, stride } = o.gradients;
  const grads = widths.map((w, l) => l === 0 ? undefined : storageBuffer(gpu, samples * w * 4, `grad-${l}`));
  const backward: Dispatch[] = [];
  for (let l = layers; l >= 1; l--) {
    const [inW, outW] = [widths[l - 1], widths[l]];
    const dOut = grads[l]!;
    // dW[w] = dOut[w]ᵀ · in[w] straight into row w of G; db[w] = column sums of dOut[w].
    backward.push(matmul(
      gpu,
      {
        M: outW,
        N: inW,
        K: o.perWorker,
        batch: o.workers,
        a: { off: 0, batch: o.perWorker * outW, row: 1, col: outW },
        b: rowMajor(inW, 0, o.perWorker * inW),
        c: { off: offsets.get(`f${l}.weight`)!, batch: stride, row: inW },
      },
      dOut,
      acts[l - 1],
      G,
    ));
    backward.push(colsum(gpu, dOut, o.workers, o.perWorker, outW, G, offsets.get(`f${l}.bias`)!, stride));
    if (l > 1) {
      // dIn = dOut · W (batched over the workers' own W with per-worker parameters, as the forward pass),
      // then through the ReLU of layer l-1.
      backward.push(matmul(
        gpu,
        {
          M: rows,
          N: inW,
          K: outW,
          batch,
          a: rowMajor(outW, 0, rows * outW),
          b: rowMajor(inW, offsets.get(`f${l}.weight`)!, ts),
          c: { off: 0, batch: rows * inW, row: inW },
        },
        dOut,
        o.theta,
        grads[l - 1]!,
      ));
      backward.push(reluBackward(gpu, acts[l - 1], grads[l - 1]!, samples * inW));
    }
  }
  return { input: acts[0], logits: acts[layers], dLogits: grads[layers], forward, backward };
}
