/**
 * Max-pooling (ops/pool.ts): the TypeScript backward against finite differences, then the GPU kernels
 * against the references: floor mode with uncovered rows and columns, overlapping windows, the fused ReLU
 * mask, a window starting inside a buffer, NaN propagation.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import { maxPoolBackward, maxPoolBackwardRef, maxPoolForward, maxPoolRef, poolOutput } from "../ops/pool.ts";
import { window } from "../ops/window.ts";
import { assertClose, randomFloats } from "./helpers.ts";

Deno.test("max-pool reference: backward matches finite differences (7×9, k 2, stride 2)", () => {
  const g = { H: 7, W: 9, k: 2, stride: 2 }, planes = 3, { OH, OW } = poolOutput(g);
  assert.deepEqual([OH, OW], [3, 4]);
  const X = Float64Array.from(randomFloats(planes * g.H * g.W, 1));
  const dY = Float64Array.from(randomFloats(planes * OH * OW, 2));
  const loss = () => maxPoolRef(g, planes, X).Y.reduce((s, y, i) => s + y * dY[i], 0);
  const fd = Float64Array.from(X, (_, i) => {
    const saved = X[i];
    X[i] = saved + 1e-6;
    const up = loss();
    X[i] = saved - 1e-6;
    const down = loss();
    X[i] = saved;
    return (up - down) / 2e-6;
  });
  // Random inputs have no ties: the maximum is locally linear.
  assertClose(maxPoolBackwardRef(g, planes, X, dY), fd, 1e-8, "dX");
});

/** GPU forward and backward of `planes` planes after `lead` padding planes, against the references. */
async function check(
  g: { H: number; W: number; k: number; stride: number },
  planes: number,
  lead: number,
  relu: boolean,
) {
  const gpu = await acquireGpu();
  const { OH, OW } = poolOutput(g);
  const inP = g.H * g.W, outP = OH * OW, total = planes + lead;
  const X = randomFloats(total * inP, 3), dY = randomFloats(total * outP, 4);
  X[lead * inP + 1] = NaN;
  const xBuf = uploadBuffer(gpu, X, "X"), dyBuf = uploadBuffer(gpu, dY, "dY");
  const yBuf = storageBuffer(gpu, total * outP * 4, "Y"), dxBuf = storageBuffer(gpu, total * inP * 4, "dX");
  const xw = window(gpu, xBuf, lead * inP, planes * inP);
  const rec = new Recorder(gpu);
  rec.run(maxPoolForward(gpu, g, planes, xw, window(gpu, yBuf, lead * outP, planes * outP)));
  rec.run(
    maxPoolBackward(
      gpu,
      g,
      planes,
      xw,
      window(gpu, dyBuf, lead * outP, planes * outP),
      window(gpu, dxBuf, lead * inP, planes * inP),
      relu,
    ),
  );
  rec.submit();
  const Y = await readFloats(gpu, yBuf, planes * outP, lead * outP);
  const dX = await readFloats(gpu, dxBuf, planes * inP, lead * inP);
  const xs = X.subarray(lead * inP), ds = dY.subarray(lead * outP);
  const ref = maxPoolRef(g, planes, xs);
  assertClose(Y, ref.Y, 0, "maxima");
  assert.ok(Number.isNaN(Y[0]), "a NaN in the window is the maximum");
  assertClose(dX, maxPoolBackwardRef(g, planes, xs, ds, relu), 1e-7, "input gradient");
}

Deno.test("max-pool GPU: k 2 on 7×9 (floor mode), with the ReLU mask, window inside a buffer (exact)", async () => {
  await check({ H: 7, W: 9, k: 2, stride: 2 }, 5, 2, true);
  await check({ H: 8, W: 8, k: 2, stride: 2 }, 3, 0, false);
});

Deno.test("max-pool GPU: overlapping windows (k 3, stride 2) sum their gradients (1e-7 rel.)", async () => {
  await check({ H: 9, W: 7, k: 3, stride: 2 }, 4, 1, false);
});
