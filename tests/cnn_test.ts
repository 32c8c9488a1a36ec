/**
 * Convolutional models (models/cnn.ts): parameter counts and layouts of `simples-conv` and `empire-cnn`
 * (spec 13); the f64 whole-network reference (models/cnn_reference.ts) against finite differences; the GPU
 * passes (gather → forward → nll → backward, as the gradient stage chains them) against that reference per
 * worker, in evaluation mode and in training mode (per-worker BatchNorm statistics, dropout, a padding row,
 * per-worker parameters), and the forward-only passes' logits.
 */
import assert from "node:assert/strict";
import { acquireGpu, type Gpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import { Rng } from "../data/rng.ts";
import { cnn, type Layer } from "../models/cnn.ts";
import { cnnLossGradient } from "../models/cnn_reference.ts";
import { initialParameters, parameterCount, parameterOffsets } from "../models/model.ts";
import { getModel } from "../models/registry.ts";
import { type BatchLayout, gatherRef } from "../ops/nn.ts";
import { assertClose, testRandom } from "./helpers.ts";
import { runTrainingPasses } from "./passes.ts";

Deno.test("simples-conv and empire-cnn: parameter counts and order (spec 5.1, 13)", () => {
  const simples = getModel("simples-conv"), empire = getModel("empire-cnn");
  assert.equal(parameterCount(simples), 431_080);
  assert.equal(parameterCount(empire), 1_310_922);
  assert.deepEqual(simples.tensors.map((t) => t.shape), [
    [20, 1, 5, 5],
    [20],
    [50, 20, 5, 5],
    [50],
    [500, 800],
    [500],
    [10, 500],
    [10],
  ]);
  assert.deepEqual(
    empire.tensors.map((t) => t.name),
    ["c1", "b1", "c2", "b2", "c3", "b3", "c4", "b4", "f1", "f2"].flatMap((n) => [`${n}.weight`, `${n}.bias`]),
  );
  assert.deepEqual(empire.tensors[0].shape, [64, 3, 3, 3]);
  assert.deepEqual(empire.tensors[16].shape, [128, 8192]);
  assert.deepEqual(empire.tensors.slice(2, 4).map((t) => t.init), ["ones", "zeros"]);
  assert.equal(empire.tensors[0].fanIn, 27);
  assert.deepEqual([empire.input, simples.input], [{ channels: 3, height: 32, width: 32 }, {
    channels: 1,
    height: 28,
    width: 28,
  }]);
});

/** A small network with every layer kind: 2×8×8 inputs, 5 classes. */
const LAYERS: Layer[] = [
  { kind: "conv", name: "c1", out: 3, k: 3, pad: 1 },
  { kind: "bn", name: "b1" },
  { kind: "conv", name: "c2", out: 4, k: 3, pad: 1 },
  { kind: "pool", k: 2 },
  { kind: "dropout", p: 0.25 },
  { kind: "linear", name: "f1", out: 6, relu: true },
  { kind: "dropout", p: 0.5 },
  { kind: "linear", name: "f2", out: 5, relu: false },
];
const INPUT = { channels: 2, height: 8, width: 8 };

Deno.test("cnn reference: gradient matches central finite differences in f64 (both modes)", () => {
  const model = cnn("small", INPUT, LAYERS);
  const d = parameterCount(model), offsets = parameterOffsets(model), rows = 3;
  const theta = Float64Array.from(initialParameters(model, new Rng(3, 0)));
  const r = testRandom(5);
  const X = Float64Array.from({ length: rows * 128 }, () => r() * 2 - 1);
  const targets = [1, 4, 0];
  for (const training of [undefined, { seed: 7, step: 2, worker: 1 }]) {
    const f = () => cnnLossGradient(LAYERS, INPUT, offsets, d, theta, X, targets, rows, training);
    const { grad } = f();
    const fd = Float64Array.from(theta, (_, j) => {
      const saved = theta[j];
      theta[j] = saved + 1e-6;
      const up = f().loss;
      theta[j] = saved - 1e-6;
      const down = f().loss;
      theta[j] = saved;
      return (up - down) / 2e-6;
    });
    assertClose(grad, fd, 1e-6, `${training ? "training" : "evaluation"} mode`);
  }
});

/** The GPU, with the storage binding limit models plan their chunks with set to `bindingLimit` if given. */
async function smallLimitGpu(bindingLimit?: number): Promise<Gpu> {
  const device = await acquireGpu();
  if (bindingLimit === undefined) return device;
  const limits = {
    maxStorageBufferBindingSize: bindingLimit,
    minStorageBufferOffsetAlignment: device.limits.minStorageBufferOffsetAlignment,
    maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
    maxBufferSize: device.limits.maxBufferSize,
  } as GPUSupportedLimits;
  return { ...device, limits };
}

/**
 * GPU training passes of the small network vs the reference, per worker. `bindingLimit` shrinks the
 * storage binding limit the model plans its chunks with (4 KiB: one worker per chunk).
 */
async function checkTraining(train: boolean, thetaStride: number, bindingLimit?: number) {
  const gpu = await smallLimitGpu(bindingLimit);
  const model = cnn("small", INPUT, LAYERS);
  const d = parameterCount(model), offsets = parameterOffsets(model);
  const counts = [4, 2, 4], K = counts.length, perWorker = 4, samples = K * perWorker;
  const r = testRandom(11), N = 30, pixels = 128;
  const images = Uint8Array.from({ length: N * pixels }, () => Math.floor(r() * 256));
  const labels = Uint8Array.from({ length: N }, () => Math.floor(r() * 5));
  const words = new Uint32Array(samples + K);
  for (let s = 0; s < samples; s++) words[s] = Math.floor(r() * N);
  words.set(counts, samples);
  const layout: BatchLayout = { samples, perWorker, idxOff: 0, cntOff: samples };
  const format = { ...INPUT, mean: [0.4, 0.5], std: [0.3, 0.2] };
  // Per-worker parameters: row w = initial parameters of seed w (θ rows `thetaStride` apart).
  const rows = thetaStride === 0 ? 1 : K;
  const thetas = Array.from({ length: rows }, (_, w) => initialParameters(model, new Rng(20 + w, 0)));
  const theta = new Float32Array(rows * Math.max(d, thetaStride));
  thetas.forEach((t, w) => theta.set(t, w * thetaStride));
  const G = storageBuffer(gpu, K * d * 4, "G");
  runTrainingPasses(
    gpu,
    model,
    { images, labels, words, layout, format },
    {
      theta: uploadBuffer(gpu, theta, "theta"),
      thetaStride,
      workers: K,
      perWorker,
      gradients: { buffer: G, stride: d },
    },
    train ? { seed: 9, step: 3 } : undefined,
  );
  const got = await readFloats(gpu, G, K * d);
  const { X, targets: t } = gatherRef(images, labels, words, layout, format);
  for (let w = 0; w < K; w++) {
    const ref = cnnLossGradient(
      LAYERS,
      INPUT,
      offsets,
      d,
      thetas[thetaStride === 0 ? 0 : w],
      X.subarray(w * perWorker * pixels),
      t.subarray(w * perWorker),
      counts[w],
      train ? { seed: 9, step: 3, worker: w } : undefined,
    );
    assertClose(
      got.subarray(w * d, (w + 1) * d),
      ref.grad,
      1e-4,
      `gradient of worker ${w} (${counts[w]} rows)`,
    );
  }
}

Deno.test("cnn GPU: evaluation-mode gradients per worker, short batch (1e-5 of the largest component)", async () => {
  await checkTraining(false, 0);
});

Deno.test("cnn GPU: training mode (batch statistics, dropout), per-worker parameters (1e-5)", async () => {
  const d = parameterCount(cnn("small", INPUT, LAYERS));
  await checkTraining(true, d + 4);
});

Deno.test("cnn GPU: training mode over chunks of one worker (small binding limit) (1e-5)", async () => {
  await checkTraining(true, 0, 4096);
});

Deno.test("cnn GPU: forward-only passes give the reference logits, also over sample chunks (1e-5 rel.)", async () => {
  const model = cnn("small", INPUT, LAYERS);
  const d = parameterCount(model), rows = 7;
  const theta = initialParameters(model, new Rng(4, 0));
  const r = testRandom(13);
  const X = Float32Array.from({ length: rows * 128 }, () => r() * 2 - 1);
  const ref = cnnLossGradient(
    LAYERS,
    INPUT,
    parameterOffsets(model),
    d,
    theta,
    X,
    new Array(rows).fill(0),
    rows,
  );
  for (const bindingLimit of [undefined, 4096]) {
    const gpu = await smallLimitGpu(bindingLimit);
    const passes = model.build(gpu, {
      theta: uploadBuffer(gpu, theta, "theta"),
      workers: 1,
      perWorker: rows,
    });
    gpu.device.queue.writeBuffer(passes.input, 0, X);
    const rec = new Recorder(gpu);
    for (const x of passes.forward) rec.run(x);
    rec.submit();
    assertClose(
      await readFloats(gpu, passes.logits, rows * 5),
      ref.logits,
      1e-5,
      `logits (limit ${bindingLimit})`,
    );
  }
});
