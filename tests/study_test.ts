/**
 * train/study.ts `StudyStage` (study columns 2–22, spec 4) against a plain f64 TypeScript implementation of
 * the spec's definitions, over several consecutive steps with the past ring pushed as train/simulator.ts
 * does, plus the spec 13.5 golden numbers and the NaN rules for f_r = 0 and f_r = 1.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer, writeBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import { STUDY_COLUMNS } from "../results/columns.ts";
import { STUDY_GPU_COLUMNS, StudyStage } from "../train/study.ts";
import { randomFloats, testRandom } from "./helpers.ts";
import { norm2, studyRow } from "../train/reference.ts";

const gpu = await acquireGpu();

// ---------------------------------------------------------------------------------------------------------
// Reference (spec 4)

type Vec = ArrayLike<number>;
const norm = norm2;

/** The inputs of one step. */
interface StepInput {
  readonly sampled: Float32Array[];
  readonly honest: Float32Array[];
  readonly attack: Float32Array[];
  readonly aggregate: Float32Array;
  readonly theta: Float32Array;
  readonly losses: number[];
}

/**
 * Columns 2–22 of one step and a magnitude per column for tolerances; `past` = previous sampled averages,
 * most recent first (this step's average is pushed by the caller).
 */
function studyRowRef(
  s: StepInput,
  theta0: Float32Array,
  past: readonly Float64Array[],
  mu: number,
): { row: number[]; scale: number[]; average: Float64Array } {
  const fromOrigin = norm(Array.from(s.theta, (t, j) => t - theta0[j]));
  const { row, average } = studyRow(
    s.sampled,
    s.honest,
    s.attack,
    s.aggregate,
    fromOrigin,
    s.losses,
    past,
    mu,
  );
  // Magnitudes: the value itself for norms, deviations, maxima and the loss; 1 for cosines; Σ μ^k‖ḡ‖‖ḡ_k‖.
  const curvatureScale = past.reduce((sum, p, k) => sum + mu ** (k + 1) * norm(average) * norm(p), 0);
  const scale = Array.from(row, (v, c) => c >= 13 && c <= 19 ? 1 : c === 20 ? curvatureScale : Math.abs(v));
  return { row: Array.from(row), scale, average };
}

const RTOL = 1e-5;

/** GPU row vs reference: NaN where NaN is expected, else |got − expected| ≤ 1e-5 · magnitude of the column. */
function checkRow(got: Float32Array, ref: { row: number[]; scale: number[] }, what: string): void {
  assert.equal(got.length, STUDY_GPU_COLUMNS);
  ref.row.forEach((e, c) => {
    const name = `${what}: column ${c + 2} '${STUDY_COLUMNS[c + 2]}'`;
    if (Number.isNaN(e)) assert.ok(Number.isNaN(got[c]), `${name}: ${got[c]}, expected NaN`);
    else {
      assert.ok(
        Math.abs(got[c] - e) <= RTOL * ref.scale[c],
        `${name}: ${got[c]} vs ${e} (scale ${ref.scale[c]})`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// GPU harness

interface Scenario {
  readonly d: number;
  readonly K: number;
  readonly h: number;
  readonly fr: number;
  readonly past: number;
  readonly mu: number;
}

/** Records the stage for each step in turn (ring pushed as the simulator does); returns the rows read back. */
async function runStudy(
  sc: Scenario,
  theta0: Float32Array,
  steps: readonly StepInput[],
): Promise<Float32Array[]> {
  const { d, K, h, fr } = sc;
  const G = storageBuffer(gpu, K * d * 4, "G"), S = storageBuffer(gpu, (h + fr) * d * 4, "S");
  const aggregate = storageBuffer(gpu, d * 4, "aggregate"), theta = storageBuffer(gpu, d * 4, "theta");
  const step = gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const stage = new StudyStage(gpu, {
    d,
    sampled: K,
    losses: K,
    honest: h,
    byzantine: fr,
    past: sc.past,
    momentum: sc.mu,
    G,
    S,
    aggregate,
    theta,
    theta0: uploadBuffer(gpu, theta0, "theta0"),
    step,
  });
  let ring = { pos: 0, count: 0 };
  const rows: Float32Array[] = [];
  for (const [t, s] of steps.entries()) {
    assert.equal(s.sampled.length, K);
    assert.equal(s.honest.length, h);
    assert.equal(s.attack.length, fr);
    s.sampled.forEach((v, i) => writeBuffer(gpu, G, i * d * 4, v));
    [...s.honest, ...s.attack].forEach((v, i) => writeBuffer(gpu, S, i * d * 4, v));
    writeBuffer(gpu, aggregate, 0, s.aggregate);
    writeBuffer(gpu, theta, 0, s.theta);
    writeBuffer(gpu, stage.stats, stage.lossOffset * 4, Float32Array.from(s.losses));
    const block = new DataView(new ArrayBuffer(16));
    block.setFloat32(0, 0.01, true);
    block.setUint32(4, t === 0 ? 1 : 0, true);
    block.setUint32(8, ring.pos, true);
    block.setUint32(12, ring.count, true);
    gpu.device.queue.writeBuffer(step, 0, block);
    const rec = new Recorder(gpu);
    stage.record(rec, ring.pos);
    rec.submit();
    rows.push(await readFloats(gpu, stage.row, STUDY_GPU_COLUMNS));
    ring = { pos: (ring.pos + 1) % sc.past, count: Math.min(ring.count + 1, sc.past) };
  }
  return rows;
}

/** Runs the GPU stage and the reference over the steps and compares every column of every row. */
async function compare(sc: Scenario, theta0: Float32Array, steps: readonly StepInput[], what: string) {
  const rows = await runStudy(sc, theta0, steps);
  const past: Float64Array[] = [];
  const refs = steps.map((s, t) => {
    const ref = studyRowRef(s, theta0, past, sc.mu);
    checkRow(rows[t], ref, `${what} step ${t}`);
    past.unshift(ref.average);
    if (past.length > sc.past) past.pop();
    return ref;
  });
  return { rows, refs };
}

const f32 = (...v: number[]) => Float32Array.from(v);

// ---------------------------------------------------------------------------------------------------------
// Tests

Deno.test("study: spec 13.5 avg_dev_max of (1,2), (3,2), (2,5): norm √13, dev 2, max 3; f_r = 0 → attack NaN", async () => {
  const v = [f32(1, 2), f32(3, 2), f32(2, 5)];
  const sc = { d: 2, K: 3, h: 3, fr: 0, past: 1, mu: 0.9 };
  const step = {
    sampled: v,
    honest: v,
    attack: [],
    aggregate: f32(1, 1),
    theta: f32(3, 4),
    losses: [1, 2, 6],
  };
  const { rows: [row] } = await compare(sc, f32(0, 0), [step], "13.5");
  const close = (c: number, e: number) =>
    assert.ok(Math.abs(row[c - 2] - e) <= 1e-6 * Math.abs(e), `col ${c}`);
  close(2, 3); // average loss
  close(3, 5); // ‖θ − θ₀‖ = ‖(3, 4)‖
  for (const c of [4, 5]) close(c, 2); // deviations of sampled and honest
  for (const c of [7, 8]) close(c, Math.sqrt(13)); // norms
  for (const c of [11, 12]) close(c, 3); // max coordinates
  close(10, Math.SQRT2);
  close(14, 1);
  close(15, 1); // sampled-honest cosine
  close(17, 5 / Math.sqrt(26));
  // f_r = 0: every attack column NaN; first step: prev cosine and curvature NaN.
  for (const c of [6, 9, 13, 16, 18, 20, 21, 22]) assert.ok(Number.isNaN(row[c - 2]), `col ${c} NaN`);
  // Derived ratio of study.py: (dev/norm)² = 4/13.
  assert.ok(Math.abs((row[2] / row[5]) ** 2 - 4 / 13) < 1e-6);
});

Deno.test("study: f_r = 1 → attack deviation NaN, other attack columns defined; f_r = 2 copies → dev exactly 0", async () => {
  const v = [f32(1, 2), f32(3, 2), f32(2, 5)];
  const base = { sampled: v, honest: v, aggregate: f32(1, 1), theta: f32(3, 4), losses: [1, 2, 6] };
  const one = await compare({ d: 2, K: 3, h: 3, fr: 1, past: 1, mu: 0.9 }, f32(0, 0), [{
    ...base,
    attack: [f32(-2, -3)],
  }], "f_r=1");
  const row1 = one.rows[0];
  assert.ok(Number.isNaN(row1[6 - 2]), "attack deviation NaN for one vector");
  assert.ok(Math.abs(row1[9 - 2] - Math.sqrt(13)) < 1e-6 && Math.abs(row1[13 - 2] - 3) < 1e-6);
  assert.ok(
    Math.abs(row1[16 - 2] + 1) < 1e-6 && Math.abs(row1[18 - 2] + 1) < 1e-6,
    "cosines with −avg are −1",
  );
  const two = await compare({ d: 2, K: 3, h: 3, fr: 2, past: 1, mu: 0.9 }, f32(0, 0), [{
    ...base,
    attack: [f32(0.5, 0.4019238), f32(0.5, 0.4019238)],
  }], "f_r=2");
  assert.equal(two.rows[0][6 - 2], 0, "identical attack copies: deviation exactly 0");
});

Deno.test("study: spec 13.5 curvature μ = 0.9, ḡ = (1,1), past (2,0), (0,3) → 4.23, prev cosine 1/√2; oldest dropped", async () => {
  const sc = { d: 2, K: 1, h: 1, fr: 1, past: 2, mu: 0.9 };
  const steps = [f32(0, 3), f32(2, 0), f32(1, 1), f32(1, 0)].map((g) => ({
    sampled: [g],
    honest: [g],
    attack: [f32(-1, 2)],
    aggregate: f32(0.5, 0.5),
    theta: f32(1, 1),
    losses: [0.5],
  }));
  const { rows } = await compare(sc, f32(0, 0), steps, "curvature");
  const prev = rows.map((r) => r[21 - 2]), curvature = rows.map((r) => r[22 - 2]);
  assert.ok(Number.isNaN(prev[0]) && Number.isNaN(curvature[0]), "empty deque: NaN");
  assert.ok(Math.abs(prev[1]) < 1e-7 && Math.abs(curvature[1]) < 1e-7, "(2,0) ⟂ (0,3)");
  assert.ok(Math.abs(prev[2] - Math.SQRT1_2) < 1e-6, `prev cosine ${prev[2]}`);
  assert.ok(Math.abs(curvature[2] - 4.23) < 1e-5, `curvature ${curvature[2]}`);
  // Deque of length 2: at step 3 it holds (1,1), (2,0); (0,3) is gone: 0.9·1 + 0.81·2 = 2.52.
  assert.ok(Math.abs(prev[3] - Math.SQRT1_2) < 1e-6);
  assert.ok(Math.abs(curvature[3] - 2.52) < 1e-5, `curvature ${curvature[3]}`);
  // K = 1: sampled deviation NaN; f_r = 1: attack deviation NaN.
  assert.ok(rows.every((r) => Number.isNaN(r[4 - 2]) && Number.isNaN(r[6 - 2])));
});

/** Random steps with structure: slowly drifting direction b_t so that cosines and curvature are sizeable. */
function randomSteps(sc: Scenario, count: number, seed: number, identicalAttack: boolean): StepInput[] {
  const { d, K, h, fr } = sc;
  const r = testRandom(seed);
  let b = randomFloats(d, seed, 1);
  let theta = randomFloats(d, seed + 1, 0.1);
  const steps: StepInput[] = [];
  for (let t = 0; t < count; t++) {
    const drift = randomFloats(d, seed + 100 * t + 2, 0.4);
    b = b.map((x, j) => x + drift[j]);
    const noisy = (i: number, scale: number, factor: number) => {
      const n = randomFloats(d, seed + 100 * t + 10 + i, scale);
      return b.map((x, j) => factor * x + n[j]);
    };
    const attackRow = noisy(90, 0.3, -2);
    steps.push({
      sampled: Array.from({ length: K }, (_, i) => noisy(i, 0.8, 1)),
      honest: Array.from({ length: h }, (_, i) => noisy(30 + i, 0.5, 0.9)),
      attack: Array.from({ length: fr }, (_, i) => identicalAttack ? attackRow : noisy(60 + i, 1, -1)),
      aggregate: noisy(95, 0.2, 1.1),
      theta,
      losses: Array.from({ length: K }, () => 2.3 * r()),
    });
    theta = theta.map((x, j) => x - 0.01 * b[j]);
  }
  return steps;
}

Deno.test("study: random multi-step runs (ring wrapping, d around the reduction chunk) match the spec-4 reference (1e-5)", async () => {
  const scenarios: [Scenario, number, boolean][] = [
    [{ d: 1500, K: 5, h: 4, fr: 2, past: 3, mu: 0.9 }, 5, true],
    [{ d: 700, K: 3, h: 2, fr: 0, past: 1, mu: 0.99 }, 3, false],
    [{ d: 2100, K: 4, h: 4, fr: 1, past: 4, mu: 0.5 }, 3, false],
    [{ d: 1030, K: 6, h: 3, fr: 3, past: 2, mu: 0.9 }, 4, false],
  ];
  for (const [i, [sc, count, identical]] of scenarios.entries()) {
    const steps = randomSteps(sc, count, 1000 * (i + 1), identical);
    const theta0 = randomFloats(sc.d, 7 + i, 0.1);
    const { rows } = await compare(
      sc,
      theta0,
      steps,
      `scenario ${i} (d=${sc.d}, f_r=${sc.fr}, P=${sc.past})`,
    );
    if (identical) {
      assert.ok(rows.every((r) => r[6 - 2] === 0), "identical copies: attack deviation exactly 0");
    }
    if (sc.fr === 0) {
      assert.ok(rows.every((r) => [6, 9, 13, 16, 18, 20].every((c) => Number.isNaN(r[c - 2]))));
    }
    // The drift keeps consecutive averages aligned: curvature is a sizeable positive number after step 0.
    assert.ok(rows.slice(1).every((r) => r[22 - 2] > 0 && r[21 - 2] > 0.5), `scenario ${i}: curvature/prev`);
  }
});
