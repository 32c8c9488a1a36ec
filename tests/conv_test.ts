/**
 * 2-D convolution (ops/conv.ts): the TypeScript references against central finite differences of
 * L = Σ dY·conv(X, W), then the GPU kernels against the references on awkward shapes: vec4 and scalar
 * paths, stride 2 (the input gradient's dilated path), 5×5 kernels without padding, channel counts that
 * are not multiples of the register block, windows starting inside a buffer, per-worker weights and the
 * split-K weight gradient.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import {
  convForward,
  convForwardRef,
  type ConvGeometry,
  convInputGrad,
  convInputGradRef,
  convOutput,
  convWeightGrad,
  convWeightGradRef,
  prepareWeights,
} from "../ops/conv.ts";
import { samples, window } from "../ops/window.ts";
import { assertClose, randomFloats } from "./helpers.ts";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

Deno.test("conv references: input and weight gradients match finite differences (stride 2, pad 1; 2×2)", () => {
  const shapes: ConvGeometry[] = [
    { inC: 2, outC: 3, inH: 5, inW: 6, kh: 3, kw: 3, stride: 2, pad: 1 },
    { inC: 3, outC: 2, inH: 4, inW: 5, kh: 2, kw: 2, stride: 1, pad: 0 },
  ];
  for (const g of shapes) {
    const images = 2, { outH, outW } = convOutput(g);
    const X = Float64Array.from(randomFloats(images * g.inC * g.inH * g.inW, 1));
    const W = Float64Array.from(randomFloats(g.outC * g.inC * g.kh * g.kw, 2));
    const bias = Float64Array.from(randomFloats(g.outC, 3));
    const dY = Float64Array.from(randomFloats(images * g.outC * outH * outW, 4));
    const loss = () => dot(dY, convForwardRef(g, images, X, W, 0, { values: bias, off: 0 }));
    const fd = (v: Float64Array) =>
      Float64Array.from(v, (_, i) => {
        const saved = v[i];
        v[i] = saved + 1e-4;
        const up = loss();
        v[i] = saved - 1e-4;
        const down = loss();
        v[i] = saved;
        return (up - down) / 2e-4;
      });
    // L is linear in X and in W: central differences are exact up to rounding.
    assertClose(convInputGradRef(g, images, dY, W), fd(X), 1e-9, "dX");
    const dW = convWeightGradRef(g, 0, 1, X, dY);
    const dW1 = convWeightGradRef(g, 1, 1, X, dY);
    assertClose(dW.map((v, i) => v + dW1[i]), fd(W), 1e-9, "dW");
    const db = Float64Array.from(bias, (_, o) => {
      let s = 0;
      for (let n = 0; n < images; n++) {
        for (let p = 0; p < outH * outW; p++) s += dY[(n * g.outC + o) * outH * outW + p];
      }
      return s;
    });
    assertClose(db, fd(bias), 1e-9, "db");
  }
});

/**
 * Runs forward, input gradient and per-worker weight gradients of `g` on the GPU over `workers` workers of
 * `perWorker` images, with the data starting `lead` samples into their buffers and (when `perWorkerTheta`)
 * different weights per worker; compares with the references (relative tolerance `rtol`).
 */
async function checkGpu(
  g: ConvGeometry,
  workers: number,
  perWorker: number,
  lead: number,
  perWorkerTheta: boolean,
  rtol = 2e-6,
) {
  const gpu = await acquireGpu();
  const { outH, outW } = convOutput(g);
  const images = workers * perWorker, total = images + lead;
  const inS = g.inC * g.inH * g.inW, outS = g.outC * outH * outW, wLen = g.outC * g.inC * g.kh * g.kw;
  const X = randomFloats(total * inS, 11), dY = randomFloats(total * outS, 12);
  // θ: 5 floats of padding, then per worker: weights, bias (stride wLen + outC + 3).
  const stride = perWorkerTheta ? wLen + g.outC + 3 : 0;
  const theta = randomFloats(
    5 + Math.max(1, workers * (perWorkerTheta ? 1 : 0)) * (wLen + g.outC + 3),
    13,
    0.5,
  );
  const p = {
    theta: uploadBuffer(gpu, theta, "theta"),
    wOff: 5,
    biasOff: 5 + wLen,
    thetaStride: stride,
    perWorker,
  };
  const xBuf = uploadBuffer(gpu, X, "X"), dyBuf = uploadBuffer(gpu, dY, "dY");
  const yBuf = storageBuffer(gpu, total * outS * 4, "Y"), dxBuf = storageBuffer(gpu, total * inS * 4, "dX");
  const gStride = wLen + 7, G = storageBuffer(gpu, (workers * gStride + 9) * 4, "G");
  const fw = prepareWeights(gpu, g, p, "forward", workers), iw = prepareWeights(gpu, g, p, "input", workers);
  const rec = new Recorder(gpu);
  rec.run(fw.dispatch).run(iw.dispatch);
  rec.run(
    convForward(
      gpu,
      g,
      p,
      fw,
      images,
      0,
      samples(gpu, xBuf, inS, lead, images),
      samples(gpu, yBuf, outS, lead, images),
      true,
    ),
  );
  rec.run(
    convInputGrad(
      gpu,
      g,
      p,
      iw,
      images,
      0,
      samples(gpu, dyBuf, outS, lead, images),
      samples(gpu, dxBuf, inS, lead, images),
    ),
  );
  const dst = window(gpu, G, 9, workers * gStride);
  const wgrad = convWeightGrad(
    gpu,
    g,
    workers,
    perWorker,
    samples(gpu, xBuf, inS, lead, images),
    samples(gpu, dyBuf, outS, lead, images),
    dst,
    2,
    gStride,
  );
  for (const d of wgrad) rec.run(d);
  rec.submit();
  const [Y, dX, dW] = await Promise.all([
    readFloats(gpu, yBuf, images * outS, lead * outS),
    readFloats(gpu, dxBuf, images * inS, lead * inS),
    readFloats(gpu, G, workers * gStride, 9),
  ]);
  for (let w = 0; w < workers; w++) {
    const at = 5 + w * stride;
    const xs = X.subarray((lead + w * perWorker) * inS, (lead + (w + 1) * perWorker) * inS);
    const ys = dY.subarray((lead + w * perWorker) * outS, (lead + (w + 1) * perWorker) * outS);
    const yRef = convForwardRef(g, perWorker, xs, theta, at, { values: theta, off: at + wLen }).map((v) =>
      Math.max(v, 0)
    );
    assertClose(
      Y.subarray(w * perWorker * outS, (w + 1) * perWorker * outS),
      yRef,
      2e-6,
      `forward, worker ${w}`,
    );
    assertClose(
      dX.subarray(w * perWorker * inS, (w + 1) * perWorker * inS),
      convInputGradRef(g, perWorker, ys, theta, at),
      rtol,
      `input gradient, worker ${w}`,
    );
    const wRef = convWeightGradRef(
      g,
      w * perWorker,
      perWorker,
      X.subarray(lead * inS),
      dY.subarray(lead * outS),
    );
    assertClose(
      dW.subarray(w * gStride + 2, w * gStride + 2 + wLen),
      wRef,
      rtol,
      `weight gradient, worker ${w}`,
    );
  }
  return wgrad.length;
}

Deno.test("conv GPU: 3×3 pad 1, 3 → 20 channels on 11×12 (vec4 rows), 2 workers with own weights (2e-6 rel.)", async () => {
  await checkGpu({ inC: 3, outC: 20, inH: 11, inW: 12, kh: 3, kw: 3, stride: 1, pad: 1 }, 2, 3, 1, true);
});

Deno.test("conv GPU: 5×5 without padding (simples-conv's second layer shape, 6 → 10 on 12×12) (2e-6 rel.)", async () => {
  await checkGpu({ inC: 6, outC: 10, inH: 12, inW: 12, kh: 5, kw: 5, stride: 1, pad: 0 }, 2, 2, 0, false);
});

Deno.test("conv GPU: stride 2 on odd sizes (scalar rows, dilated input gradient) (2e-6 rel.)", async () => {
  await checkGpu({ inC: 4, outC: 5, inH: 9, inW: 7, kh: 3, kw: 3, stride: 2, pad: 1 }, 2, 2, 3, false);
  await checkGpu({ inC: 2, outC: 8, inH: 8, inW: 8, kh: 3, kw: 3, stride: 2, pad: 1 }, 1, 2, 0, true);
});

Deno.test("conv GPU: split-K weight gradient over 60 images of 32×32 (1e-5 rel.: 61,440-term f32 sums)", async () => {
  const dispatches = await checkGpu(
    { inC: 2, outC: 3, inH: 32, inW: 32, kh: 3, kw: 3, stride: 1, pad: 1 },
    1,
    60,
    0,
    false,
    1e-5,
  );
  assert.equal(dispatches, 2, "a partial pass and a sum");
});
