/**
 * GPU kernels of ops/nn.ts, ops/optim.ts and ops/reduce.ts against the TypeScript reference beside each
 * wrapper, on awkward shapes: sizes that are not multiples of the workgroup (64) or of the reduction chunk
 * (gpu/tuning.ts `reductionChunk`), several rows, non-zero offsets and strides. Every output buffer starts
 * filled with garbage so that writes outside the target region, and missing writes inside it, show.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer, writeBuffer } from "../gpu/buffers.ts";
import { type Dispatch, Recorder } from "../gpu/kernel.ts";
import { reductionChunk } from "../gpu/tuning.ts";
import {
  type BatchLayout,
  colsum,
  colsumRef,
  gather,
  gatherRef,
  type ImageFormat,
  nll,
  nllRef,
  NO_TARGET,
  reluBackward,
  topk,
  topkRef,
  workerLoss,
} from "../ops/nn.ts";
import {
  axpby,
  clip,
  clipRef,
  colstats,
  colstatsRef,
  momentum,
  momentumRef,
  regularize,
  regularizeRef,
  regularizeWithNorms,
  sgd,
  sgdRef,
  type SgdSettings,
} from "../ops/optim.ts";
import { dots, dotsRef, Reduce, reduceRows, reduceRowsRef } from "../ops/reduce.ts";
import { assertClose, randomFloats, testRandom } from "./helpers.ts";

const gpu = await acquireGpu();
const CH = reductionChunk(gpu);
/** The element-wise row kernels with each adapter kind's tiling (gpu/tuning.ts), both run on this device. */
const TILINGS = [["CPU", { ...gpu, isCpu: true }], ["GPU", { ...gpu, isCpu: false }]] as const;

function upload(data: ArrayBufferView, label = "test"): GPUBuffer {
  return uploadBuffer(gpu, data, label);
}

function run(...dispatches: (Dispatch | Dispatch[])[]): void {
  const rec = new Recorder(gpu);
  for (const d of dispatches.flat()) rec.run(d);
  rec.submit();
}

async function readU32(buffer: GPUBuffer, count: number, offset = 0): Promise<Uint32Array> {
  return new Uint32Array((await readFloats(gpu, buffer, count, offset)).buffer);
}

/** A batch buffer: `entries` at idxOff, per-worker counts at cntOff (other words garbage). */
function batchWords(l: BatchLayout, entries: Uint32Array, counts: number[]): Uint32Array {
  const words = Uint32Array.from({ length: l.cntOff + counts.length + 3 }, (_, i) => 0xdead0000 + i);
  words.set(entries, l.idxOff);
  words.set(counts, l.cntOff);
  return words;
}

/** Writes the 16-byte per-step block (lr f32, first u32, ringPos u32, ringCount u32). */
function writeStep(buffer: GPUBuffer, lr: number, first: boolean, ringPos = 0, ringCount = 0): void {
  const block = new DataView(new ArrayBuffer(16));
  block.setFloat32(0, lr, true);
  block.setUint32(4, first ? 1 : 0, true);
  block.setUint32(8, ringPos, true);
  block.setUint32(12, ringCount, true);
  gpu.device.queue.writeBuffer(buffer, 0, block);
}

function stepBuffer(): GPUBuffer {
  return gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
}

// ---------------------------------------------------------------------------------------------------------
// ops/nn.ts

Deno.test("gather: normalised CHW batch with flips, padding rows zeroed with target 0xffffffff (exact to 1e-6)", async () => {
  const formats: ImageFormat[] = [
    { channels: 3, height: 5, width: 7, mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] },
    { channels: 1, height: 28, width: 28, mean: [0.1307], std: [0.3081] }, // four pixels per invocation
    { channels: 3, height: 3, width: 8, mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }, // same, 3 channels
  ];
  for (const f of formats) {
    const r = testRandom(f.channels * 100 + f.width);
    const N = 11, pixels = f.channels * f.height * f.width;
    // N·pixels is odd for the 3×5×7 format: the byte upload is padded to 4.
    const images = Uint8Array.from({ length: N * pixels }, () => Math.floor(r() * 256));
    images[0] = 0;
    images[1] = 255;
    const labels = Uint8Array.from({ length: N }, () => Math.floor(r() * 10));
    const counts = [5, 0, 3, 1], perWorker = 5, samples = counts.length * perWorker;
    const l: BatchLayout = { samples, perWorker, idxOff: 3, cntOff: 3 + samples + 2 };
    // Padding entries hold stale (but valid) indices, as the simulator leaves them.
    const entries = Uint32Array.from(
      { length: samples },
      () => (Math.floor(r() * N) | (r() < 0.5 ? 0x80000000 : 0)) >>> 0,
    );
    entries[0] = 0; // the image with the 0 and 255 bytes, unflipped
    const batch = batchWords(l, entries, counts);
    const X = upload(randomFloats(samples * pixels, 5, 9), "X");
    const targets = upload(Uint32Array.from({ length: samples }, (_, i) => i + 77), "targets");
    run(gather(gpu, upload(images), upload(labels), upload(batch), l, f, X, targets));
    const ref = gatherRef(images, labels, batch, l, f);
    assertClose(await readFloats(gpu, X, samples * pixels), ref.X, 1e-6, `gather X ${f.channels}ch`);
    assert.deepEqual(Array.from(await readU32(targets, samples)), Array.from(ref.targets));
    // Independent checks of the reference itself: padding rows, one flipped row mirrored, normalisation.
    for (let s = 0; s < samples; s++) {
      const valid = s % perWorker < counts[Math.floor(s / perWorker)];
      assert.equal(ref.targets[s], valid ? labels[entries[s] & 0x7fffffff] : NO_TARGET);
      if (!valid) assert.ok(ref.X.subarray(s * pixels, (s + 1) * pixels).every((x) => x === 0));
    }
    assert.equal(ref.X[0], Math.fround((0 - f.mean[0]) / f.std[0]));
    assert.equal(ref.X[1], Math.fround((1 - f.mean[0]) / f.std[0]));
    const flipped = entries.findIndex((e, s) =>
      e >>> 31 === 1 && s % perWorker < counts[Math.floor(s / perWorker)]
    );
    assert.ok(flipped >= 0);
    const idx = entries[flipped] & 0x7fffffff, c = f.channels - 1, y = f.height - 1;
    const src = images[idx * pixels + c * f.height * f.width + y * f.width + 0];
    assert.equal(
      ref.X[flipped * pixels + c * f.height * f.width + y * f.width + f.width - 1],
      Math.fround((Math.fround(src / 255) - f.mean[c]) / f.std[c]),
    );
  }
});

Deno.test("nll: log-softmax + NLL forward/backward per worker count, padding rows give 0 (1e-5 rel.)", async () => {
  for (const classes of [10, 7]) {
    const r = testRandom(classes);
    const perWorker = 11, counts = [11, 1, 6, 11, 3, 9, 10], samples = counts.length * perWorker; // 77 > 64
    const l: BatchLayout = { samples, perWorker, idxOff: 0, cntOff: samples + 1 };
    const Z = randomFloats(samples * classes, classes, 5);
    for (let c = 0; c < classes; c++) Z[2 * classes + c] = c % 2 === 0 ? 80 + c : -80 - c; // large logits
    const targets = Uint32Array.from({ length: samples }, (_, s) => {
      const valid = s % perWorker < counts[Math.floor(s / perWorker)];
      return valid ? Math.floor(r() * classes) : NO_TARGET;
    });
    targets[2] = 1; // the target with a very negative logit: loss ≈ 166
    const batch = batchWords(l, new Uint32Array(samples), counts);
    const dZ = upload(randomFloats(samples * classes, 3), "dZ");
    const loss = upload(randomFloats(samples, 4), "loss");
    run(nll(gpu, upload(Z), upload(targets), upload(batch), l, classes, dZ, loss));
    const ref = nllRef(Z, targets, classes, (s) => counts[Math.floor(s / perWorker)]);
    assertClose(await readFloats(gpu, dZ, samples * classes), ref.dZ, 1e-5, `nll dZ (${classes} classes)`);
    assertClose(await readFloats(gpu, loss, samples), ref.loss, 1e-5, `nll loss (${classes} classes)`);
    assert.ok(ref.loss[2] > 160);
  }
});

Deno.test("workerLoss: mean over each worker's valid rows + c1·norms[n1] + c2·norms[n2] at outOff (1e-6 rel.)", async () => {
  const perWorker = 3, workers = 70, samples = workers * perWorker;
  const r = testRandom(7);
  const counts = Array.from({ length: workers }, (_, w) => w % 7 === 0 ? perWorker : 1 + Math.floor(r() * 3));
  const lossValues = Float32Array.from({ length: samples }, (_, s) => {
    const valid = s % perWorker < counts[Math.floor(s / perWorker)];
    return valid ? r() * 3 : 1e6; // padding rows: garbage that must not count
  });
  const l: BatchLayout = { samples, perWorker, idxOff: 0, cntOff: samples };
  const batch = upload(batchWords(l, new Uint32Array(samples), counts));
  const loss = upload(lossValues);
  const cases = [
    { norms: [9, 2.5, 9, 4], reg: { n1: 1, n2: 3, c1: 0.01, c2: 0.001 } },
    { norms: [NaN, NaN, NaN, NaN], reg: { n1: 0, n2: 1, c1: 0, c2: 0 } }, // unused norms may be garbage
  ];
  for (const { norms, reg } of cases) {
    const outOff = 4, garbage = randomFloats(outOff + workers + 3, 8);
    const out = upload(garbage);
    run(workerLoss(gpu, loss, batch, l, upload(Float32Array.from(norms)), reg, out, outOff));
    const expected = Float64Array.from(garbage);
    for (let w = 0; w < workers; w++) {
      let sum = 0;
      for (let i = 0; i < counts[w]; i++) sum += lossValues[w * perWorker + i];
      const regTerm = (reg.c1 !== 0 ? reg.c1 * norms[reg.n1] : 0) +
        (reg.c2 !== 0 ? reg.c2 * norms[reg.n2] : 0);
      expected[outOff + w] = sum / counts[w] + regTerm;
    }
    assertClose(await readFloats(gpu, out, garbage.length), expected, 1e-6, `workerLoss c1=${reg.c1}`);
  }
});

Deno.test("reluBackward: dH·[H > 0] over a count that is not a multiple of 64 (exact)", async () => {
  const count = 1000;
  const Hv = randomFloats(count, 11);
  Hv[0] = 0;
  Hv[1] = -0;
  Hv[2] = 1e-30;
  Hv[3] = NaN; // NaN is not > 0: gradient blocked
  const dHv = randomFloats(count + 10, 12);
  const dH = upload(dHv);
  run(reluBackward(gpu, upload(Hv), dH, count));
  const expected = Float32Array.from(dHv, (g, e) => e < count && !(Hv[e] > 0) ? 0 : g);
  assertClose(await readFloats(gpu, dH, count + 10), expected, 0, "reluBackward");
});

Deno.test("colsum: per-worker column sums written at an offset with a stride (1e-6 rel.)", async () => {
  for (const [workers, rows, cols] of [[3, 5, 70], [1, 83, 10], [4, 1, 129]]) {
    const dZ = randomFloats(workers * rows * cols, workers + rows);
    const outOff = 11, outStride = cols + 19;
    const garbage = randomFloats(outOff + workers * outStride, 2);
    const out = upload(garbage);
    run(colsum(gpu, upload(dZ), workers, rows, cols, out, outOff, outStride));
    const expected = Float32Array.from(garbage);
    colsumRef(dZ, workers, rows, cols, expected, outOff, outStride);
    assertClose(
      await readFloats(gpu, out, garbage.length),
      expected,
      1e-6,
      `colsum ${workers}x${rows}x${cols}`,
    );
  }
});

Deno.test("topk: correctness flags with ties and padding rows, k = 1 and 3, at an offset (exact)", async () => {
  const samples = 70, classes = 10, r = testRandom(3);
  const Z = Float32Array.from({ length: samples * classes }, () => Math.floor(r() * 4)); // many ties
  const targets = Uint32Array.from(
    { length: samples },
    (_, s) => s % 9 === 4 ? NO_TARGET : Math.floor(r() * classes),
  );
  for (const k of [1, 3]) {
    const outOff = 5, garbage = randomFloats(outOff + samples + 4, 9);
    const correct = upload(garbage);
    run(topk(gpu, upload(Z), upload(targets), samples, classes, k, correct, outOff));
    const expected = Float32Array.from(garbage);
    expected.set(topkRef(Z, targets, classes, k), outOff);
    assertClose(await readFloats(gpu, correct, garbage.length), expected, 0, `topk k=${k}`);
  }
  // A tie with the target counts as correct (only strictly larger logits are "above").
  assert.deepEqual(Array.from(topkRef(Float32Array.of(2, 2, 1), Uint32Array.of(1), 3, 1)), [1]);
});

Deno.test("topk: NaN logits rank above everything, a NaN target logit is never correct (exact)", async () => {
  const samples = 70, classes = 6, r = testRandom(17);
  // NaNs of several bit patterns (quiet, negative, with a payload, signalling), written as bits.
  const nans = [0x7fc00000, 0xffc00000, 0x7fc01234, 0x7f800001];
  const Z = new Float32Array(samples * classes), bits = new Uint32Array(Z.buffer);
  for (let i = 0; i < Z.length; i++) {
    const u = r();
    if (u < 0.2) bits[i] = nans[Math.floor(r() * nans.length)];
    else Z[i] = Math.floor(u * 5) - 2;
  }
  // Some rows entirely NaN, some with only the target NaN.
  Z.fill(NaN, 3 * classes, 4 * classes);
  const targets = Uint32Array.from(
    { length: samples },
    (_, s) => s % 11 === 7 ? NO_TARGET : Math.floor(r() * classes),
  );
  for (let s = 20; s < 26; s++) {
    Z.fill(1, s * classes, (s + 1) * classes);
    Z[s * classes + targets[s]] = NaN;
  }
  const expectedNan = Array.from(targets, (t, s) => t !== NO_TARGET && Number.isNaN(Z[s * classes + t]));
  assert.ok(expectedNan.filter((x) => x).length >= 10, "too few NaN targets");
  for (const k of [1, 3, classes]) {
    const outOff = 3, garbage = randomFloats(outOff + samples + 2, 4);
    const correct = upload(garbage);
    run(topk(gpu, upload(Z), upload(targets), samples, classes, k, correct, outOff));
    const expected = Float32Array.from(garbage);
    expected.set(topkRef(Z, targets, classes, k), outOff);
    const actual = await readFloats(gpu, correct, garbage.length);
    assertClose(actual, expected, 0, `topk NaN k=${k}`);
    expectedNan.forEach((isNan, s) => {
      if (isNan) assert.equal(actual[outOff + s], 0, `k=${k}: sample ${s} with a NaN target counted correct`);
    });
  }
  // A NaN logit ranks above a finite target: out of the top 1, in the top 2.
  const row = Float32Array.of(NaN, 1, 0);
  assert.deepEqual(Array.from(topkRef(row, Uint32Array.of(1), 3, 1)), [0]);
  assert.deepEqual(Array.from(topkRef(row, Uint32Array.of(1), 3, 2)), [1]);
  // A NaN target is never correct, even with k = classes.
  assert.deepEqual(Array.from(topkRef(row, Uint32Array.of(0), 3, 3)), [0]);
});

// ---------------------------------------------------------------------------------------------------------
// ops/optim.ts

/** Copies `rows` rows of length d out of a strided matrix (and back). */
function pack(G: Float32Array, rows: number, d: number, stride: number): Float32Array {
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) out.set(G.subarray(r * stride, r * stride + d), r * d);
  return out;
}
function unpack(packed: Float32Array, into: Float32Array, rows: number, d: number, stride: number): void {
  for (let r = 0; r < rows; r++) into.set(packed.subarray(r * d, (r + 1) * d), r * stride);
}

for (const [tiling, gpu] of TILINGS) {
  Deno.test(`regularize: G rows += c1·sign(θ) + c2·θ/‖θ‖₂ with a stride, ‖θ‖ = 0 guarded (1e-6 rel.) (${tiling} tiling)`, async () => {
    const rows = 3, d = 1000, stride = 1003;
    const thetaRandom = randomFloats(d, 21);
    for (let j = 0; j < d; j += 37) thetaRandom[j] = 0; // sign(0) = 0
    for (
      const [c1, c2, zero] of [[1e-2, 0, false], [0, 0.5, false], [1e-3, 0.2, false], [
        1e-3,
        0.2,
        true,
      ]] as const
    ) {
      const theta = zero ? new Float32Array(d) : thetaRandom;
      const norm = Math.sqrt(theta.reduce((a, t) => a + t * t, 0));
      const garbage = randomFloats(rows * stride + 2, 22);
      const G = upload(garbage);
      const norms = upload(Float32Array.of(123, 456, norm, 789));
      const reg = { theta: upload(theta), norms, n2: 2, c1, c2, thetaStride: 0, normStride: 0 };
      run(regularize(gpu, reg, G, rows, d, stride));
      const packed = pack(garbage, rows, d, stride);
      regularizeRef(packed, theta, rows, c1, c2);
      const expected = Float32Array.from(garbage);
      unpack(packed, expected, rows, d, stride);
      assertClose(await readFloats(gpu, G, garbage.length), expected, 1e-6, `regularize c1=${c1} c2=${c2}`);
    }
  });
}

for (const [tiling, gpu] of TILINGS) {
  Deno.test(`regularizeWithNorms: same bits as regularize then reduceRows, per-row θ, lengths around the chunk (${tiling} tiling)`, async () => {
    for (
      const [rows, d, stride, perRow] of [[3, 2 * CH + 5, 2 * CH + 9, false], [4, CH - 1, CH, true]] as const
    ) {
      const thetaRows = perRow ? rows : 1;
      const theta = randomFloats(thetaRows * d, 41);
      for (let j = 0; j < theta.length; j += 29) theta[j] = 0;
      const norms = Float32Array.from({ length: 2 + thetaRows }, (_, i) => i < 2 ? -7 : 0);
      for (let r = 0; r < thetaRows; r++) {
        norms[2 + r] = Math.sqrt(theta.subarray(r * d, (r + 1) * d).reduce((a, t) => a + t * t, 0));
      }
      if (perRow) norms[3] = 0; // a zero norm skips the c2 term of that row
      const layout = { thetaStride: perRow ? d : 0, normStride: perRow ? 1 : 0 };
      const garbage = randomFloats(rows * stride + 3, 42);
      const [c1, c2] = [1e-3, 0.2];
      const reg = { theta: upload(theta), norms: upload(norms), n2: 2, c1, c2, ...layout };
      const [fusedG, twoPassG] = [upload(garbage), upload(garbage)];
      const outOff = 3, outGarbage = randomFloats(outOff + rows + 2, 43);
      const [fusedOut, twoPassOut] = [upload(outGarbage), upload(outGarbage)];
      run(regularizeWithNorms(gpu, reg, fusedG, rows, d, stride, fusedOut, outOff));
      run(
        regularize(gpu, reg, twoPassG, rows, d, stride),
        reduceRows(gpu, twoPassG, { rows, len: d, stride }, Reduce.SumSquares, twoPassOut, outOff, true),
      );
      const what = `rows ${rows} d ${d} perRow ${perRow}`;
      const [G, out] = [
        await readFloats(gpu, fusedG, garbage.length),
        await readFloats(gpu, fusedOut, outGarbage.length),
      ];
      assertClose(G, await readFloats(gpu, twoPassG, garbage.length), 0, `G ${what}`);
      assertClose(out, await readFloats(gpu, twoPassOut, outGarbage.length), 0, `norms ${what}`);
      // Against the references: each row regularised with its own θ and norm, then its Euclidean norm.
      const expectedG = Float32Array.from(garbage);
      for (let r = 0; r < rows; r++) {
        const t = theta.subarray(layout.thetaStride * r, layout.thetaStride * r + d);
        const row = expectedG.slice(r * stride, r * stride + d);
        const normed = norms[2 + r * layout.normStride] > 0 ? c2 : 0;
        regularizeRef(row, t, 1, c1, normed);
        expectedG.set(row, r * stride);
      }
      assertClose(G, expectedG, 1e-6, `G ${what} vs reference`);
      const expectedOut = Float64Array.from(outGarbage);
      expectedOut.set(reduceRowsRef(expectedG, { rows, len: d, stride }, Reduce.SumSquares, true), outOff);
      assertClose(out, expectedOut, 1e-5, `norms ${what} vs reference`);
    }
  });
}

for (const [tiling, gpu] of TILINGS) {
  Deno.test(`clip: rows over the threshold rescaled to c (or to unit norm, legacy), others untouched (1e-6 rel.) (${tiling} tiling)`, async () => {
    const rows = 4, d = 777, stride = 800, c = 1.5;
    const scales = [0.1, 3, 0.5, 10];
    const base = randomFloats(rows * stride, 31);
    for (let r = 0; r < rows; r++) {
      const row = base.subarray(r * stride, r * stride + d);
      const n = Math.sqrt(row.reduce((a, x) => a + x * x, 0));
      row.forEach((x, j) => row[j] = x / n * scales[r]);
    }
    const norms = Float32Array.from({ length: rows }, (_, r) => {
      const row = base.subarray(r * stride, r * stride + d);
      return Math.sqrt(row.reduce((a, x) => a + x * x, 0));
    });
    for (const unit of [false, true]) {
      const G = upload(base);
      // The norms sit after 2 unrelated scalars (as in the simulator's scalars buffer).
      run(clip(gpu, upload(Float32Array.of(-1, -1, ...norms)), 2, G, rows, d, stride, c, unit));
      const packed = pack(base, rows, d, stride);
      clipRef(packed, rows, d, c, unit);
      const expected = Float32Array.from(base);
      unpack(packed, expected, rows, d, stride);
      const out = await readFloats(gpu, G, base.length);
      assertClose(out, expected, 1e-6, `clip unit=${unit}`);
      for (let r = 0; r < rows; r++) {
        const n = Math.sqrt(out.subarray(r * stride, r * stride + d).reduce((a, x) => a + x * x, 0));
        const want = scales[r] > c ? (unit ? 1 : c) : scales[r];
        assert.ok(Math.abs(n - want) < 1e-5 * want, `clip row ${r}: norm ${n}, expected ${want}`);
      }
    }
  });
}

for (const [tiling, gpu] of TILINGS) {
  Deno.test(`momentum: worker buffers accumulate over steps, server adds μ·a_{t-1}; extra rows untouched (1e-6 rel.) (${tiling} tiling)`, async () => {
    const h = 3, K = 5, n = 6, d = 1100, mu = 0.9, damp = 0.1;
    for (const mode of ["worker", "server"] as const) {
      const mRows = mode === "worker" ? h : 1;
      const Mref = randomFloats(mRows * d, 41);
      const Sref = randomFloats(n * d, 42);
      const M = upload(Mref), S = upload(Sref), Gbuf = storageBuffer(gpu, K * d * 4, "G");
      const dispatch = momentum(gpu, mode, Gbuf, M, S, h, d, mu, damp);
      for (let step = 0; step < 3; step++) {
        const G = randomFloats(K * d, 43 + step);
        writeBuffer(gpu, Gbuf, 0, G);
        run(dispatch);
        momentumRef(mode, G, Mref, Sref, h, d, mu, damp);
        assertClose(await readFloats(gpu, S, n * d), Sref, 1e-6, `momentum ${mode} S step ${step}`);
        assertClose(await readFloats(gpu, M, mRows * d), Mref, 1e-6, `momentum ${mode} M step ${step}`);
        if (mode === "server") {
          Mref.set(randomFloats(d, 44 + step)); // a new a_{t−1}, as the simulator copies it in
          writeBuffer(gpu, M, 0, Mref);
        }
      }
    }
  });
}

Deno.test("momentum: spec 13.6 worker example μ = 0.9, δ = 0 → (1,0), (0.9,1), (1.81,1.9)", async () => {
  const M = storageBuffer(gpu, 8, "M"), S = storageBuffer(gpu, 8, "S"), G = storageBuffer(gpu, 8, "G");
  const dispatch = momentum(gpu, "worker", G, M, S, 1, 2, 0.9, 0);
  const expected = [[1, 0], [0.9, 1], [1.81, 1.9]];
  for (const [i, g] of [[1, 0], [0, 1], [1, 1]].entries()) {
    writeBuffer(gpu, G, 0, Float32Array.from(g));
    run(dispatch);
    assertClose(await readFloats(gpu, S, 2), expected[i], 1e-6, `worker momentum step ${i}`);
  }
});

for (const [tiling, gpu] of TILINGS) {
  Deno.test(`colstats: column mean and Σ squared deviations of a row range at offsets (1e-6 / 1e-5 rel.) (${tiling} tiling)`, async () => {
    const rows = 9, d = 515, avgOff = 3, sqOff = 7;
    const Xv = randomFloats(rows * d, 51, 2);
    for (let j = 0; j < d; j++) Xv[4 * d + j] += 1000; // a far-off row: the shifted sums must stay accurate
    const X = upload(Xv);
    for (const [start, count] of [[2, 5], [0, 9], [8, 1], [3, 2]]) {
      const avg = upload(randomFloats(avgOff + d + 2, 52)), sq = upload(randomFloats(sqOff + d + 2, 53));
      run(colstats(gpu, X, start, count, d, avg, avgOff, sq, sqOff));
      const ref = colstatsRef(Xv, start, count, d);
      const gotAvg = await readFloats(gpu, avg, d, avgOff), gotSq = await readFloats(gpu, sq, d, sqOff);
      assertClose(gotAvg, ref.avg, 1e-6, `colstats avg start=${start} count=${count}`);
      assertClose(gotSq, ref.sq, count === 1 ? 0 : 1e-5, `colstats sq start=${start} count=${count}`);
      if (count === 1) {
        assertClose(gotAvg, Xv.subarray(start * d, (start + 1) * d), 0, "single row: avg = row");
      }
      // Neighbouring entries untouched.
      assert.equal(
        (await readFloats(gpu, avg, 1, avgOff - 1))[0],
        randomFloats(avgOff + d + 2, 52)[avgOff - 1],
      );
      assert.equal((await readFloats(gpu, sq, 1, sqOff + d))[0], randomFloats(sqOff + d + 2, 53)[sqOff + d]);
      // Written twice: the same bits at the second offsets.
      const [avg2, sq2] = [
        storageBuffer(gpu, (2 * d + 5) * 4, "avg2"),
        storageBuffer(gpu, (2 * d + 9) * 4, "sq2"),
      ];
      run(colstats(gpu, X, start, count, d, avg2, 1, sq2, 2, { avgOff: d + 5, sqOff: d + 9 }));
      for (const [buffer, first, second] of [[avg2, 1, d + 5], [sq2, 2, d + 9]] as const) {
        const [a, b] = [await readFloats(gpu, buffer, d, first), await readFloats(gpu, buffer, d, second)];
        assertClose(b, a, 0, `colstats copy start=${start} count=${count}`);
        assertClose(
          a,
          buffer === avg2 ? gotAvg : gotSq,
          0,
          `colstats with a copy start=${start} count=${count}`,
        );
      }
    }
  });
}

Deno.test("colstats: count 0 gives NaN; identical rows give sq exactly 0 and avg exactly the row", async () => {
  const d = 70, row = randomFloats(d, 61, 1e3);
  const Xv = new Float32Array(6 * d);
  for (let i = 1; i < 6; i++) Xv.set(row, i * d);
  Xv.set(randomFloats(d, 62), 0); // row 0 differs
  const X = upload(Xv);
  const avg = upload(randomFloats(d + 1, 63)), sq = upload(randomFloats(d + 1, 64));
  run(colstats(gpu, X, 1, 5, d, avg, 1, sq, 0));
  assertClose(await readFloats(gpu, avg, d, 1), row, 0, "identical rows: avg");
  assert.ok((await readFloats(gpu, sq, d)).every((x) => Object.is(x, 0)), "identical rows: sq = +0");
  run(colstats(gpu, X, 3, 0, d, avg, 1, sq, 0));
  assert.ok((await readFloats(gpu, avg, d, 1)).every(Number.isNaN), "count 0: avg NaN");
  assert.ok((await readFloats(gpu, sq, d)).every(Number.isNaN), "count 0: sq NaN");
  const ref = colstatsRef(Xv, 3, 0, d);
  assert.ok(ref.avg.every(Number.isNaN) && ref.sq.every(Number.isNaN));
});

Deno.test("axpby: α·x + β·y between offsets, the rest untouched (1e-6 rel.)", async () => {
  const len = 1000, xOff = 3, yOff = 17, oOff = 5, alpha = 0.75, beta = -1.25;
  const x = randomFloats(len + xOff, 71), y = randomFloats(len + yOff + 4, 72);
  const garbage = randomFloats(len + oOff + 6, 73);
  const out = upload(garbage);
  run(axpby(gpu, len, alpha, upload(x), xOff, beta, upload(y), yOff, out, oOff));
  const expected = Float64Array.from(garbage);
  for (let j = 0; j < len; j++) expected[oOff + j] = alpha * x[xOff + j] + beta * y[yOff + j];
  assertClose(await readFloats(gpu, out, garbage.length), expected, 1e-6, "axpby");
});

async function sgdSteps(s: SgdSettings, firsts: boolean[], lrs: number[], d: number): Promise<void> {
  const theta = randomFloats(d, 81), buf = randomFloats(d, 82);
  const thetaBuffer = upload(theta), bufBuffer = upload(buf), aBuffer = storageBuffer(gpu, d * 4, "a");
  const step = stepBuffer();
  const dispatch = sgd(gpu, step, aBuffer, thetaBuffer, bufBuffer, d, s);
  const bufBefore = Float32Array.from(buf);
  for (let t = 0; t < firsts.length; t++) {
    const a = randomFloats(d, 83 + t);
    writeBuffer(gpu, aBuffer, 0, a);
    writeStep(step, lrs[t], firsts[t], 5, 7); // the ring fields are not the SGD's business
    run(dispatch);
    sgdRef(a, theta, buf, s, Math.fround(lrs[t]), firsts[t]);
    const what = `sgd μ=${s.momentum} first=${firsts[t]} step ${t}`;
    assertClose(await readFloats(gpu, thetaBuffer, d), theta, 1e-6, `${what} θ`);
    assertClose(await readFloats(gpu, bufBuffer, d), buf, 1e-6, `${what} buf`);
  }
  if (s.momentum === 0) assertClose(buf, bufBefore, 0, "no momentum: buffer untouched");
}

Deno.test("sgd: plain update with weight decay, lr from the per-step block (1e-6 rel.)", async () => {
  await sgdSteps(
    { weightDecay: 1e-2, momentum: 0, dampening: 0.5 },
    [true, false, false],
    [0.05, 0.025, 0.1],
    1000,
  );
});

Deno.test("sgd: momentum at the update, torch first step (buf ← p) then μ·buf + (1−δ)·p (1e-6 rel.)", async () => {
  const s = { weightDecay: 1e-3, momentum: 0.9, dampening: 0.3 };
  await sgdSteps(s, [true, false, false], [0.05, 0.05, 0.02], 1000);
  await sgdSteps(s, [false, false], [0.05, 0.05], 333); // no first-step flag: dampening applies at once
});

Deno.test("sgd: spec 13.6 torch momentum example μ = 0.9, δ = 0.5, η = 0.1 (1e-6 rel.)", async () => {
  const step = stepBuffer();
  const a = storageBuffer(gpu, 8, "a"),
    theta = storageBuffer(gpu, 8, "θ"),
    buf = storageBuffer(gpu, 8, "buf");
  const dispatch = sgd(gpu, step, a, theta, buf, 2, { weightDecay: 0, momentum: 0.9, dampening: 0.5 });
  const expected = [{ buf: [1, 0], theta: [-0.1, 0] }, { buf: [0.9, 0.5], theta: [-0.19, -0.05] }];
  for (const [t, g] of [[1, 0], [0, 1]].entries()) {
    writeBuffer(gpu, a, 0, Float32Array.from(g));
    writeStep(step, 0.1, t === 0);
    run(dispatch);
    assertClose(await readFloats(gpu, buf, 2), expected[t].buf, 1e-6, `buf step ${t}`);
    assertClose(await readFloats(gpu, theta, 2), expected[t].theta, 1e-6, `θ step ${t}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// ops/reduce.ts

Deno.test("reduceRows: four modes, sqrt post, strided rows at an offset, lengths around the chunk", async () => {
  // Tolerances: MaxAbs is exact; SumSquares/SumAbs 1e-5 relative; Sum (cancellation) 1e-5 of Σ|x|.
  const shapes = [
    { rows: 3, len: 2500, stride: 2600, off: 37 },
    { rows: 70, len: 1, stride: 1, off: 0 },
    { rows: 2, len: CH, stride: CH, off: 0 },
    { rows: 5, len: CH + 1, stride: CH + 3, off: 5 },
    { rows: 1, len: 777, stride: 777 },
  ];
  for (const [i, r] of shapes.entries()) {
    const X = randomFloats((r.off ?? 0) + r.rows * r.stride + 3, 90 + i, 3);
    const Xb = upload(X);
    for (const mode of [Reduce.Sum, Reduce.SumSquares, Reduce.SumAbs, Reduce.MaxAbs]) {
      for (const sqrt of mode === Reduce.Sum ? [false] : [false, true]) {
        const outOff = 5, garbage = randomFloats(outOff + r.rows + 2, 99);
        const out = upload(garbage);
        run(reduceRows(gpu, Xb, r, mode, out, outOff, sqrt));
        const expected = Float64Array.from(garbage);
        expected.set(reduceRowsRef(X, r, mode, sqrt), outOff);
        const what = `reduceRows mode ${Reduce[mode]} sqrt=${sqrt} shape ${i}`;
        const got = await readFloats(gpu, out, garbage.length);
        if (mode === Reduce.MaxAbs && !sqrt) assertClose(got, expected, 0, what);
        else if (mode !== Reduce.Sum) assertClose(got, expected, 1e-5, what);
        else {
          const abs = reduceRowsRef(X, r, Reduce.SumAbs);
          for (let q = 0; q < r.rows; q++) {
            const err = Math.abs(got[outOff + q] - expected[outOff + q]);
            assert.ok(
              err <= 1e-5 * abs[q],
              `${what} row ${q}: ${got[outOff + q]} vs ${expected[outOff + q]}`,
            );
          }
          assertClose(got.subarray(0, outOff), garbage.subarray(0, outOff), 0, `${what} before`);
          assertClose(got.subarray(outOff + r.rows), garbage.subarray(outOff + r.rows), 0, `${what} after`);
        }
      }
    }
  }
});

Deno.test("reduceRows: NaN anywhere makes MaxAbs NaN (first pass and final pass), ∞ is a maximum", async () => {
  const r = { rows: 4, len: 3 * CH + 10, stride: 3 * CH + 10 };
  const X = randomFloats(r.rows * r.stride, 101);
  X[0 * r.stride + 0] = NaN; // first element of chunk 0
  X[1 * r.stride + 2 * CH + 9] = NaN; // inside the last chunk: the final pass must keep it
  X[2 * r.stride + CH] = -Infinity;
  const out = storageBuffer(gpu, r.rows * 4, "out");
  run(reduceRows(gpu, upload(X), r, Reduce.MaxAbs, out, 0));
  const got = await readFloats(gpu, out, r.rows), expected = reduceRowsRef(X, r, Reduce.MaxAbs);
  assert.ok(Number.isNaN(got[0]) && Number.isNaN(got[1]), `NaN rows: ${got}`);
  assert.ok(Number.isNaN(expected[0]) && Number.isNaN(expected[1]));
  assert.equal(got[2], Infinity);
  assert.equal(got[3], expected[3]);
});

Deno.test("reduceRows: sum of squares over ~1e5 elements with sqrt (1e-4 rel.)", async () => {
  const r = { rows: 2, len: 100_003, stride: 100_010, off: 1 };
  const X = randomFloats(1 + r.rows * r.stride, 111);
  const out = storageBuffer(gpu, 8, "out");
  run(reduceRows(gpu, upload(X), r, Reduce.SumSquares, out, 0, true));
  assertClose(await readFloats(gpu, out, 2), reduceRowsRef(X, r, Reduce.SumSquares, true), 1e-4, "norms");
});

Deno.test("dots: pairs between two buffers (X ≠ Y) and within one (X = Y), at an offset (1e-5 of ‖a‖‖b‖)", async () => {
  const nx = 4, ny = 3, len = 2 * CH + 7, stride = len + 5;
  const X = randomFloats(nx * stride, 121), Y = randomFloats(ny * stride, 122, 2);
  const both = new Float32Array((nx + ny) * stride);
  both.set(X);
  both.set(Y, nx * stride);
  const pairsXY: [number, number][] = [];
  for (let a = 0; a < nx; a++) for (let b = 0; b < ny; b++) pairsXY.push([a, b]);
  const pairsXX: [number, number][] = [];
  for (let q = 0; q < 70; q++) pairsXX.push([q % nx, (q * 3 + 1) % nx]); // 70 pairs: two final-pass groups
  const Xb = upload(X), Yb = upload(Y);
  for (const [same, pairs] of [[false, pairsXY], [true, pairsXX]] as const) {
    const outOff = 3, garbage = randomFloats(outOff + pairs.length + 2, 123);
    const out = upload(garbage);
    run(dots(gpu, Xb, same ? Xb : Yb, stride, len, pairs, out, outOff));
    const got = await readFloats(gpu, out, garbage.length);
    const refPairs = pairs.map(([a, b]) => [a, same ? b : nx + b] as [number, number]);
    const expected = dotsRef(both, stride, len, refPairs);
    const norms = dotsRef(both, stride, len, Array.from({ length: nx + ny }, (_, i) => [i, i]));
    refPairs.forEach(([a, b], q) => {
      const scale = Math.sqrt(norms[a] * norms[b]);
      const err = Math.abs(got[outOff + q] - expected[q]);
      assert.ok(
        err <= 1e-5 * scale,
        `dots X${same ? "X" : "Y"} pair ${q}: ${got[outOff + q]} vs ${expected[q]}`,
      );
    });
    assertClose(got.subarray(0, outOff), garbage.subarray(0, outOff), 0, "dots before");
    assertClose(
      got.subarray(outOff + pairs.length),
      garbage.subarray(outOff + pairs.length),
      0,
      "dots after",
    );
  }
});
