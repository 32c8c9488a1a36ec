import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import { distancesRef, distancesTo, pairwiseDistances } from "../ops/distances.ts";
import { neighbourScores, neighbourScoresRef, orderByKey, rankByKey } from "../ops/dist_select.ts";
import { uploadRows } from "../gar/run.ts";
import { assertClose, randomFloats } from "./helpers.ts";

function randomRows(n: number, d: number, seed: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => randomFloats(d, seed * 1000 + i, 1 + i % 3));
}

async function gpuPairwise(rows: Float32Array[], euclidean: boolean): Promise<Float32Array> {
  const gpu = await acquireGpu();
  const n = rows.length, d = rows[0].length;
  const X = uploadRows(gpu, rows, "X");
  const out = storageBuffer(gpu, n * n * 4, "D");
  const rec = new Recorder(gpu);
  pairwiseDistances(gpu, X, n, d, out, 0, euclidean).forEach((p) => rec.run(p));
  rec.submit();
  const result = await readFloats(gpu, out, n * n);
  X.destroy();
  out.destroy();
  return result;
}

Deno.test("distances: pairwise squared and Euclidean on awkward shapes match the f64 reference", async () => {
  // d values straddle the 256- and 1024-coordinate chunks; n crosses the 4/8-row blocks and the 17-row limit
  // (51 = 3 blocks of 17; 35 = 3 blocks of 12, one row padded).
  const shapes: [number, number][] = [
    [1, 5],
    [2, 1],
    [7, 1025],
    [13, 3],
    [14, 700],
    [35, 300],
    [51, 2049],
    [256, 300],
  ];
  for (const [n, d] of shapes) {
    const rows = randomRows(n, d, n + d);
    for (const euclidean of [false, true]) {
      const D = await gpuPairwise(rows, euclidean);
      assertClose(D, distancesRef(rows, rows, euclidean), 1e-5, `pairwise n=${n} d=${d}`);
      for (let i = 0; i < n; i++) {
        assert.equal(D[i * n + i], 0, "zero diagonal");
        for (let j = 0; j < i; j++) assert.equal(D[i * n + j], D[j * n + i], "exactly symmetric");
      }
    }
  }
});

Deno.test("distances: NaN and ∞ rows propagate to their own distances only", async () => {
  const rows = randomRows(9, 1500, 3);
  rows[2][1234] = NaN;
  rows[5][7] = Infinity;
  const D = await gpuPairwise(rows, true);
  for (let i = 0; i < 9; i++) {
    for (let j = 0; j < 9; j++) {
      const v = D[i * 9 + j];
      if (i === j) continue; // ∞ − ∞ is NaN: the diagonal of a non-finite row is not defined
      if (i === 2 || j === 2) assert.ok(Number.isNaN(v), `D[${i}][${j}] = ${v}`);
      else if (i === 5 || j === 5) assert.equal(v, Infinity, `D[${i}][${j}]`);
      else assert.ok(Number.isFinite(v));
    }
  }
});

Deno.test("distances: squared distances of rows to one vector", async () => {
  const gpu = await acquireGpu();
  for (const [n, d] of [[1, 3], [7, 1025], [51, 2500]]) {
    const rows = randomRows(n, d, 7 * n);
    const y = randomFloats(d, 99);
    const X = uploadRows(gpu, rows, "X");
    const Y = uploadBuffer(gpu, y, "y");
    const out = storageBuffer(gpu, n * 4, "dist");
    const rec = new Recorder(gpu);
    distancesTo(gpu, X, n, Y, d, out, 0).forEach((p) => rec.run(p));
    rec.submit();
    assertClose(await readFloats(gpu, out, n), distancesRef(rows, [y], false), 1e-5, `to-vector n=${n}`);
    [X, Y, out].forEach((b) => b.destroy());
  }
});

Deno.test("ranking: stable order by key with ties and non-finite keys (= +∞)", async () => {
  const gpu = await acquireGpu();
  const keys = Float32Array.of(3, NaN, 1, Infinity, 1, -Infinity, 3, 0, NaN, 2);
  assert.deepEqual(orderByKey(keys), [7, 2, 4, 9, 0, 6, 1, 3, 5, 8]);
  const buffer = uploadBuffer(gpu, Float32Array.of(9, ...keys), "keys"); // keys start at offset 1
  const order = storageBuffer(gpu, keys.length * 4, "order");
  new Recorder(gpu).run(rankByKey(gpu, buffer, 1, keys.length, order)).submit();
  const gpuOrder = new Uint32Array((await readFloats(gpu, order, keys.length)).buffer);
  assert.deepEqual(Array.from(gpuOrder), orderByKey(keys));
});

Deno.test("neighbour scores: sum of the k smallest other distances, non-finite as +∞", async () => {
  const gpu = await acquireGpu();
  for (const n of [2, 7, 51]) {
    const rows = randomRows(n, 3, n);
    const D = new Float32Array(distancesRef(rows, rows, true));
    D[n + 0] = D[0 + 1] = NaN; // a non-finite pair (0, 1)
    for (const k of [1, n - 1]) {
      const Dbuf = uploadBuffer(gpu, D, "D");
      const scores = storageBuffer(gpu, n * 4, "scores");
      const rec = new Recorder(gpu);
      neighbourScores(gpu, Dbuf, n, k, scores).forEach((p) => rec.run(p));
      rec.submit();
      assertClose(
        await readFloats(gpu, scores, n),
        neighbourScoresRef(D, n, k),
        1e-6,
        `scores n=${n} k=${k}`,
      );
    }
  }
});
