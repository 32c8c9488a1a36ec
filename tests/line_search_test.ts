import assert from "node:assert/strict";
import { lineMaximize } from "../attacks/line_search.ts";
import { lineSearchController, SLOT, STATE_FLOATS } from "../attacks/line_search_gpu.ts";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, writeBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";

// Spec 13.4: evaluation points of line_maximize on f(x) = −(x−3)² with 16 evaluations.
const POINTS_16 = [
  0,
  1,
  3,
  7,
  3.8,
  1.24,
  3.288,
  1.6496,
  2.96032,
  4.008896,
  3.1700352,
  2.49894656,
  3.035817472,
  2.6063207424,
  2.94991812608,
  3.224796033024,
];
const parabola = (x: number) => -((x - 3) ** 2);

function traced(evals: number, f: (x: number) => number) {
  const points: number[] = [];
  const best = lineMaximize((x) => {
    points.push(x);
    return f(x);
  }, evals);
  return { best, points };
}

Deno.test("line_maximize: spec 13.4 evaluation points (16 and 4 evaluations)", () => {
  const sixteen = traced(16, parabola);
  assert.equal(sixteen.best, 3);
  assert.equal(sixteen.points.length, 16);
  sixteen.points.forEach((x, i) => assert.ok(Math.abs(x - POINTS_16[i]) < 1e-12, `point ${i}: ${x}`));
  const four = traced(4, parabola);
  assert.deepEqual(four, { best: 3, points: [0, 1, 3, 7] });
});

Deno.test("line_maximize: max(evals, 1) evaluations, NaN never improves, monotone keeps doubling", () => {
  assert.deepEqual(traced(1, parabola), { best: 0, points: [0] });
  assert.deepEqual(traced(0, parabola), { best: 0, points: [0] });
  assert.equal(traced(8, () => NaN).best, 0);
  assert.deepEqual(traced(5, (x) => x), { best: 15, points: [0, 1, 3, 7, 15] });
  // Ties are not improvements: a constant function contracts around the start.
  const flat = traced(4, () => 1);
  assert.equal(flat.best, 0);
  assert.deepEqual(flat.points.slice(0, 3), [0, 1, 0.19999999999999996]);
});

Deno.test("line search controller (GPU): the TypeScript search's points, y fed by the host", async () => {
  const gpu = await acquireGpu();
  const state = storageBuffer(gpu, STATE_FLOATS * 4, "state");
  const controller = lineSearchController(gpu, state);
  for (const [f, expected] of [[parabola, POINTS_16], [() => NaN, traced(16, () => NaN).points]] as const) {
    new Recorder(gpu).run(controller.init).submit();
    const seen: number[] = [];
    for (let i = 0; i < 16; i++) {
      const x = (await readFloats(gpu, state, 1, SLOT.x))[0];
      seen.push(x);
      writeBuffer(gpu, state, SLOT.y * 4, Float32Array.of(f(x)));
      new Recorder(gpu).run(controller.update).submit();
    }
    seen.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) <= 1e-6 * 8, `point ${i}: ${x}`));
    const best = (await readFloats(gpu, state, 1, SLOT.bestX))[0];
    assert.equal(best, f === parabola ? 3 : 0);
  }
  state.destroy();
});
