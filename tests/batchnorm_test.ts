/**
 * BatchNorm (ops/batchnorm.ts): the TypeScript backward against finite differences in both modes, then the
 * GPU passes against the references: evaluation mode with given running statistics and per-worker
 * parameters; training mode with per-worker batch statistics, a padding row, the fused ReLU mask and the
 * running-statistics update.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import {
  batchNormBackward,
  batchNormBackwardRef,
  type BatchNormContext,
  batchNormForward,
  batchNormRef,
  batchNormRunning,
  batchNormStats,
  channelGradients,
} from "../ops/batchnorm.ts";
import { samples, window } from "../ops/window.ts";
import { assertClose, randomFloats } from "./helpers.ts";

const C = 3;

Deno.test("batch-norm reference: backward matches finite differences (training and evaluation modes)", () => {
  const rows = 4, HW = 10;
  const X = Float64Array.from(randomFloats(rows * C * HW, 1, 2));
  const dY = Float64Array.from(randomFloats(rows * C * HW, 2));
  const gamma = Float64Array.from([0.5, 1.5, -1]), beta = Float64Array.from([0.1, -0.2, 0.3]);
  for (const running of [undefined, { mean: [0.2, -0.1, 0], variance: [1, 2, 0.5] }]) {
    const loss = () =>
      batchNormRef(C, HW, rows, X, gamma, beta, running).Y.reduce((s, y, i) => s + y * dY[i], 0);
    const fd = (v: Float64Array) =>
      Float64Array.from(v, (_, i) => {
        const saved = v[i];
        v[i] = saved + 1e-6;
        const up = loss();
        v[i] = saved - 1e-6;
        const down = loss();
        v[i] = saved;
        return (up - down) / 2e-6;
      });
    const r = batchNormBackwardRef(C, HW, rows, X, dY, gamma, running);
    const mode = running ? "evaluation" : "training";
    assertClose(r.dX, fd(X), 1e-7, `${mode}: dX`);
    assertClose(r.dGamma, fd(gamma), 1e-7, `${mode}: dγ`);
    assertClose(r.dBeta, fd(beta), 1e-7, `${mode}: dβ`);
  }
});

/** Runs stats (training), forward, parameter gradients and backward for 2 workers of 3 rows of C × HW. */
async function run(train: boolean, counts: number[], relu: boolean, HW: number) {
  const gpu = await acquireGpu();
  const workers = 2, perWorker = 3, n = workers * perWorker, lead = 1, per = C * HW;
  const X = randomFloats((n + lead) * per, 5, 2), dY = randomFloats((n + lead) * per, 6);
  // Padding rows carry zero gradients (the loss kernel zeroes them).
  counts.forEach((rows, w) =>
    dY.fill(0, (lead + w * perWorker + rows) * per, (lead + (w + 1) * perWorker) * per)
  );
  // θ per worker (stride 8): γ at 1, β at 4.
  const theta = randomFloats(2 * 8, 7, 1.5);
  const running = Float32Array.from([0.2, -0.1, 0, 1, 2, 0.5]);
  const batch = uploadBuffer(gpu, Uint32Array.from([9, 9, ...counts]), "batch");
  const ctx: BatchNormContext = {
    theta: uploadBuffer(gpu, theta, "theta"),
    thetaStride: 8,
    perWorker,
    running: uploadBuffer(gpu, running, "running"),
    train: train
      ? { stats: storageBuffer(gpu, workers * C * 6 * 4, "stats"), batch, countOffset: 2 }
      : undefined,
  };
  const layer = { C, HW, gammaOff: 1, betaOff: 4, runOff: 0 };
  const xBuf = uploadBuffer(gpu, X, "X"), gBuf = uploadBuffer(gpu, dY, "dY");
  const yBuf = storageBuffer(gpu, (n + lead) * per * 4, "Y"), G = storageBuffer(gpu, 2 * 20 * 4, "G");
  const partial = storageBuffer(gpu, n * C * 2 * 4, "partial");
  const xw = samples(gpu, xBuf, per, lead, n), gw = samples(gpu, gBuf, per, lead, n);
  const rec = new Recorder(gpu);
  if (train) { for (const d of batchNormStats(gpu, layer, ctx, workers, 0, xw, partial)) rec.run(d); }
  rec.run(batchNormForward(gpu, layer, ctx, n, 0, xw, samples(gpu, yBuf, per, lead, n)));
  const grads = channelGradients(
    gpu,
    layer,
    ctx,
    n,
    0,
    gw,
    { layer, X: xw },
    partial,
    window(gpu, G, 0, 40),
    20,
    10,
    13,
  );
  for (const d of grads) rec.run(d);
  rec.run(batchNormBackward(gpu, layer, ctx, n, 0, xw, gw, relu));
  if (train) rec.run(batchNormRunning(gpu, layer, ctx, workers));
  rec.submit();
  const Y = await readFloats(gpu, yBuf, n * per, lead * per);
  const dX = await readFloats(gpu, gBuf, n * per, lead * per);
  const dP = await readFloats(gpu, G, 40);
  const newRunning = await readFloats(gpu, ctx.running, 6);
  const runMean = Array.from(running.subarray(0, 3)), runVar = Array.from(running.subarray(3));
  for (let w = 0; w < workers; w++) {
    const rows = train ? counts[w] : perWorker;
    const xs = X.subarray((lead + w * perWorker) * per, (lead + w * perWorker + rows) * per);
    const ys = dY.subarray((lead + w * perWorker) * per, (lead + w * perWorker + rows) * per);
    const gamma = theta.subarray(8 * w + 1, 8 * w + 4), beta = theta.subarray(8 * w + 4, 8 * w + 7);
    const stats = train ? undefined : { mean: running.subarray(0, 3), variance: running.subarray(3) };
    const f = batchNormRef(C, HW, rows, xs, gamma, beta, stats);
    const b = batchNormBackwardRef(C, HW, rows, xs, ys, gamma, stats);
    const at = w * perWorker * per;
    assertClose(Y.subarray(at, at + rows * per), f.Y, 2e-6, `forward, worker ${w}`);
    const dxRef = b.dX.map((v, i) => relu && !(xs[i] > 0) ? 0 : v);
    assertClose(dX.subarray(at, at + rows * per), dxRef, 2e-5, `dX, worker ${w}`);
    if (rows < perWorker) {
      assert.ok(dX.subarray(at + rows * per, at + perWorker * per).every((v) => v === 0), "padding rows");
    }
    assertClose(dP.subarray(20 * w + 10, 20 * w + 13), b.dBeta, 1e-5, `dβ, worker ${w}`);
    assertClose(dP.subarray(20 * w + 13, 20 * w + 16), b.dGamma, 1e-5, `dγ, worker ${w}`);
    for (let c = 0; c < C; c++) {
      runMean[c] = 0.9 * runMean[c] + 0.1 * f.stats.mean[c];
      runVar[c] = 0.9 * runVar[c] + 0.1 * f.stats.variance[c];
    }
  }
  if (train) assertClose(newRunning, [...runMean, ...runVar], 1e-6, "running statistics");
  else assertClose(newRunning, running, 0, "running statistics unchanged");
}

Deno.test("batch-norm GPU: evaluation mode, per-worker γ/β, running statistics, scalar and vec4 (dX 2e-5, sums 1e-5 rel.)", async () => {
  await run(false, [3, 3], false, 10);
  await run(false, [3, 3], true, 12);
});

Deno.test("batch-norm GPU: training mode, a padding row, ReLU mask, running update, scalar and vec4 (2e-5)", async () => {
  await run(true, [3, 2], true, 10);
  await run(true, [2, 3], false, 12);
});
