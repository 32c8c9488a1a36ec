/**
 * Dropout (ops/dropout.ts): the GPU masks equal the TypeScript counter-based reference exactly, keep about
 * 1 − p of the elements, scale the kept ones by 1/(1 − p), and change with the step, worker and seed.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, uploadBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import { dropout, dropoutKeeps } from "../ops/dropout.ts";
import { samples } from "../ops/window.ts";

Deno.test("dropout GPU: masks match the counter-based reference, per step, worker and element", async () => {
  const gpu = await acquireGpu();
  const perSample = 37, perWorker = 5, workers = 3, first = 5, n = workers * perWorker;
  const key = { seed: 2 ** 33 + 7, layer: 4, p: 0.25 };
  const step = gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  gpu.device.queue.writeBuffer(step, 0, new Uint32Array([9, 0, 0, 0]));
  // The window starts at sample `first`, in the middle of worker 1's batch.
  const X = uploadBuffer(gpu, new Float32Array((first + n) * perSample).fill(1), "X");
  const rec = new Recorder(gpu);
  rec.run(dropout(gpu, key, step, n, perSample, perWorker, first, samples(gpu, X, perSample, first, n)));
  rec.submit();
  const got = await readFloats(gpu, X, n * perSample, first * perSample);
  let kept = 0;
  for (let e = 0; e < got.length; e++) {
    const sample = first + Math.floor(e / perSample), w = Math.floor(sample / perWorker);
    const index = (sample - w * perWorker) * perSample + (e % perSample);
    const keep = dropoutKeeps(key, 9, w, index);
    assert.equal(got[e], keep ? Math.fround(1 / 0.75) : 0, `element ${e}`);
    kept += keep ? 1 : 0;
  }
  // 555 Bernoulli(0.75) draws: within 5 standard deviations (≈ 10.2 each).
  assert.ok(Math.abs(kept - 0.75 * got.length) < 51, `kept ${kept} of ${got.length}`);
});

Deno.test("dropout reference: masks differ across steps, workers, layers and seeds", () => {
  const key = { seed: 1, layer: 0, p: 0.5 };
  const mask = (k: typeof key, step: number, worker: number) =>
    Array.from({ length: 256 }, (_, i) => dropoutKeeps(k, step, worker, i));
  const base = mask(key, 0, 0);
  assert.deepEqual(mask(key, 0, 0), base, "deterministic");
  for (
    const other of [
      mask(key, 1, 0),
      mask(key, 0, 1),
      mask({ ...key, layer: 1 }, 0, 0),
      mask({ ...key, seed: 2 }, 0, 0),
    ]
  ) {
    const same = other.filter((v, i) => v === base[i]).length;
    assert.ok(same > 90 && same < 166, `${same}/256 equal draws`);
  }
});
