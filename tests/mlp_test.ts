/**
 * The fully connected models (models/mlp.ts): the f64 TypeScript reference (models/mlp_reference.ts)
 * against central finite differences, then the GPU training passes (gather → forward → nll → backward, as
 * train/simulator.ts chains them) against that reference, per worker, with padding rows; parameter layout
 * and initialisation of `simples-full`.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import { Rng } from "../data/rng.ts";
import { mlp } from "../models/mlp.ts";
import { mlpLayout, mlpLossGradient } from "../models/mlp_reference.ts";
import { initialParameters, type Model, parameterCount, parameterOffsets } from "../models/model.ts";
import { getModel } from "../models/registry.ts";
import { type BatchLayout, gatherRef, type ImageFormat, workerLoss } from "../ops/nn.ts";
import { assertClose, randomFloats, testRandom } from "./helpers.ts";
import { runTrainingPasses } from "./passes.ts";

Deno.test("mlp reference: gradient matches central finite differences in f64 (widths [13, 7, 5])", () => {
  const widths = [13, 7, 5], rows = 4;
  const { d } = mlpLayout(widths);
  assert.equal(d, 13 * 7 + 7 + 7 * 5 + 5);
  const theta = Float64Array.from(randomFloats(d, 1, 0.6));
  const X = Float64Array.from(randomFloats(rows * widths[0], 2, 1.5));
  const targets = [0, 3, 4, 1];
  const { loss, grad, losses } = mlpLossGradient(widths, theta, X, targets, rows);
  assert.ok(Math.abs(loss - losses.reduce((a, b) => a + b) / rows) < 1e-15);
  const eps = 1e-6, fd = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const saved = theta[j];
    theta[j] = saved + eps;
    const up = mlpLossGradient(widths, theta, X, targets, rows).loss;
    theta[j] = saved - eps;
    const down = mlpLossGradient(widths, theta, X, targets, rows).loss;
    theta[j] = saved;
    fd[j] = (up - down) / (2 * eps);
  }
  // Central differences: O(eps²) truncation plus ~1e-16/eps rounding; 1e-7 of the largest component.
  assertClose(grad, fd, 1e-7, "analytic vs finite differences");
  assert.ok(grad.filter((g) => g !== 0).length > d / 2, "most components non-zero (ReLUs not all dead)");
});

Deno.test("mlp reference: the loss is the mean NLL of log-softmax, with one row per sample", () => {
  // One layer, zero weights: logits = bias; loss = logsumexp(b) − b_t for every sample.
  const widths = [3, 4];
  const theta = new Float64Array(mlpLayout(widths).d);
  theta.set([1, 2, 3, 4], 12);
  const r = mlpLossGradient(widths, theta, new Float64Array(6), [3, 0], 2);
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4));
  assert.ok(Math.abs(r.losses[0] - (lse - 4)) < 1e-12 && Math.abs(r.losses[1] - (lse - 1)) < 1e-12);
  // Bias gradient: mean over samples of softmax − onehot.
  const p = [1, 2, 3, 4].map((b) => Math.exp(b - lse));
  const expected = p.map((q, c) => q - ((c === 3 ? 1 : 0) + (c === 0 ? 1 : 0)) / 2);
  assertClose(r.grad.subarray(12), expected, 1e-12, "bias gradient");
});

/**
 * Runs the batched training passes of `model` on random uint8 images; compares each worker's gradient row.
 * `ownParameters`: each worker computes at its own parameter row (thetaStride d), as with local SGD steps.
 */
async function checkGpuPasses(
  model: Model,
  widths: readonly number[],
  counts: number[],
  perWorker: number,
  stride: number,
  rtol: number,
  flips: boolean,
  ownParameters = false,
) {
  const gpu = await acquireGpu();
  const K = counts.length, samples = K * perWorker, d = parameterCount(model);
  assert.equal(d, mlpLayout(widths).d);
  const { channels, height, width } = model.input;
  const pixels = channels * height * width;
  assert.equal(pixels, widths[0]);
  const r = testRandom(d + K);
  const N = 50;
  const images = Uint8Array.from({ length: N * pixels }, () => Math.floor(r() * 256));
  const labels = Uint8Array.from({ length: N }, () => Math.floor(r() * model.classes));
  const format: ImageFormat = { channels, height, width, mean: [0.1307], std: [0.3081] };
  // Padding entries keep stale indices (as GradientStage.fill leaves them): they must not contribute.
  const words = new Uint32Array(samples + K);
  for (let s = 0; s < samples; s++) {
    words[s] = (Math.floor(r() * N) | (flips && r() < 0.5 ? 0x80000000 : 0)) >>> 0;
  }
  words.set(counts, samples);
  const layout: BatchLayout = { samples, perWorker, idxOff: 0, cntOff: samples };

  const thetas = Array.from(
    { length: ownParameters ? K : 1 },
    (_, w) => initialParameters(model, new Rng(7 + w, 0)),
  );
  const all = new Float32Array(thetas.length * d);
  thetas.forEach((x, w) => all.set(x, w * d));
  const theta = uploadBuffer(gpu, all, "theta");
  const garbage = randomFloats(K * stride, 3, 100);
  const G = uploadBuffer(gpu, garbage, "G");
  const workerLosses = storageBuffer(gpu, K * 4, "worker-loss");
  const norms = storageBuffer(gpu, 16, "norms");
  const { passes } = runTrainingPasses(
    gpu,
    model,
    { images, labels, words, layout, format },
    { theta, thetaStride: ownParameters ? d : 0, workers: K, perWorker, gradients: { buffer: G, stride } },
    undefined,
    ({ sampleLoss, batch }) => [
      workerLoss(gpu, sampleLoss, batch, layout, norms, { n1: 0, n2: 1, c1: 0, c2: 0 }, workerLosses, 0),
    ],
  );
  const got = await readFloats(gpu, G, K * stride);
  const gotLogits = await readFloats(gpu, passes.logits, samples * model.classes);
  const gotLoss = await readFloats(gpu, workerLosses, K);

  const { X, targets: t } = gatherRef(images, labels, words, layout, format);
  for (let w = 0; w < K; w++) {
    const rows = counts[w];
    const ref = mlpLossGradient(
      widths,
      thetas[ownParameters ? w : 0],
      X.subarray(w * perWorker * pixels),
      t.subarray(w * perWorker),
      rows,
    );
    const row = got.subarray(w * stride, w * stride + d);
    const err = assertClose(
      row,
      ref.grad,
      rtol,
      `gradient row of worker ${w} (${rows}/${perWorker} valid rows)`,
    );
    assertClose(
      got.subarray(w * stride + d, (w + 1) * stride),
      garbage.subarray(w * stride + d, (w + 1) * stride),
      0,
      `gap after row ${w}`,
    );
    const base = w * perWorker * model.classes;
    assertClose(
      gotLogits.subarray(base, base + rows * model.classes),
      ref.logits,
      rtol,
      `logits of worker ${w}`,
    );
    assert.ok(
      Math.abs(gotLoss[w] - ref.loss) <= 1e-5 * ref.loss,
      `loss of worker ${w}: ${gotLoss[w]} vs ${ref.loss}`,
    );
    assert.ok(err < rtol);
  }
}

Deno.test("mlp GPU passes: per-worker gradients of a 3-layer net with padding rows (1e-5 rel.)", async () => {
  // Hidden width 67 > 64 (two colsum groups), two ReLU backward stages, a row stride larger than d.
  const widths = [15, 67, 11, 9];
  const model = mlp("small", widths, { channels: 1, height: 3, width: 5 });
  const d = parameterCount(model);
  await checkGpuPasses(model, widths, [7, 3, 1, 7, 5], 7, d + 3, 1e-5, true);
});

Deno.test("mlp GPU passes: each worker at its own parameters (thetaStride d), 3-layer net (1e-5 rel.)", async () => {
  const widths = [15, 67, 11, 9];
  const model = mlp("small", widths, { channels: 1, height: 3, width: 5 });
  const d = parameterCount(model);
  await checkGpuPasses(model, widths, [7, 3, 1, 7, 5], 7, d + 3, 1e-5, true, true);
});

Deno.test("mlp GPU passes: simples-full (784 → 100 → 10), 3 workers of 83 with a short batch (1e-5 rel.)", async () => {
  const model = getModel("simples-full");
  await checkGpuPasses(model, [784, 100, 10], [83, 50, 83], 83, parameterCount(model), 1e-5, false);
});

Deno.test("simples-full: 79,510 parameters in the order W1[100×784], b1, W2[10×100], b2", () => {
  const model = getModel("simples-full");
  assert.equal(parameterCount(model), 79_510);
  assert.deepEqual(model.tensors.map((t) => t.shape), [[100, 784], [100], [10, 100], [10]]);
  assert.deepEqual([...parameterOffsets(model).values()], [0, 78_400, 78_500, 79_500]);
  const layout = mlpLayout([784, 100, 10]);
  assert.deepEqual([layout.weight, layout.bias, layout.d], [[0, 78_500], [78_400, 79_500], 79_510]);
  assert.equal(model.classes, 10);
  assert.deepEqual(model.input, { channels: 1, height: 28, width: 28 });
});

Deno.test("initialParameters: U(−1/√fan_in, 1/√fan_in) per tensor, deterministic per seed", () => {
  const model = getModel("simples-full");
  const a = initialParameters(model, new Rng(42, 0));
  const b = initialParameters(model, new Rng(42, 0));
  const c = initialParameters(model, new Rng(43, 0));
  assert.deepEqual(a, b);
  assert.ok(a.some((x, i) => x !== c[i]), "another seed gives other parameters");
  const tensors: [number, number, number][] = [
    [0, 78_400, 784],
    [78_400, 78_500, 784],
    [78_500, 79_500, 100],
    [
      79_500,
      79_510,
      100,
    ],
  ];
  for (const [from, to, fanIn] of tensors) {
    const bound = 1 / Math.sqrt(fanIn), values = a.subarray(from, to);
    assert.ok(values.every((x) => x >= -bound && x < bound), `bounds ±${bound} of [${from}, ${to})`);
    if (to - from >= 1000) {
      // Large tensors fill the interval: extremes near the bounds, mean near 0 (5σ).
      assert.ok(Math.max(...values) > 0.97 * bound && Math.min(...values) < -0.97 * bound);
      const mean = values.reduce((s, x) => s + x, 0) / values.length;
      assert.ok(Math.abs(mean) < 5 * bound / Math.sqrt(3 * values.length), `mean ${mean}`);
    }
  }
  // Values are the Rng's uniform draws, in parameter order (fan_in 4 for both tensors of a [4, 2] net).
  const small = initialParameters(mlp("small", [4, 2], { channels: 1, height: 2, width: 2 }), new Rng(42, 0));
  const rng = new Rng(42, 0);
  const expected = Array.from({ length: 10 }, () => Math.fround(rng.uniform(-0.5, 0.5)));
  assert.deepEqual(Array.from(small), expected);
});
