import { acquireGpu } from "../gpu/device.ts";
import { readFloats, uploadBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import { matmul, matmulRef, type MatmulShape, rowMajor, transposed } from "../ops/matmul.ts";
import { assertClose, randomFloats } from "./helpers.ts";

async function check(s: MatmulShape, sizeA: number, sizeB: number, sizeC: number, withBias: boolean) {
  const gpu = await acquireGpu();
  const A = randomFloats(sizeA, 1),
    B = randomFloats(sizeB, 2),
    bias = randomFloats(s.N + (s.biasOff ?? 0), 3);
  const expected = randomFloats(sizeC, 4); // untouched entries must stay as they are
  const C = uploadBuffer(gpu, expected, "C");
  matmulRef(s, A, B, expected, withBias ? bias : undefined);
  const d = matmul(
    gpu,
    s,
    uploadBuffer(gpu, A, "A"),
    uploadBuffer(gpu, B, "B"),
    C,
    withBias ? uploadBuffer(gpu, bias, "bias") : undefined,
  );
  new Recorder(gpu).run(d).submit();
  assertClose(await readFloats(gpu, C, sizeC), expected, 1e-5, "matmul");
}

Deno.test("matmul: plain row-major products on awkward shapes", async () => {
  // On the CPU, 700×10 takes a narrow block (2 lanes × 5 columns), 300×100 an evenly split one (8 lanes × 13),
  // 600×100×200 the 32-row blocks of long reductions.
  const shapes = [
    [1, 1, 1],
    [7, 13, 5],
    [33, 17, 129],
    [83, 100, 784],
    [3, 250, 2],
    [700, 10, 100],
    [300, 100, 784],
    [600, 100, 200],
  ];
  for (const [M, N, K] of shapes) {
    const s = { M, N, K, batch: 1, a: rowMajor(K), b: rowMajor(N), c: { off: 0, batch: 0, row: N } };
    await check(s, M * K, K * N, M * N, false);
  }
});

Deno.test("matmul: X·Wᵀ with bias and ReLU (forward layer)", async () => {
  const [M, N, K] = [45, 19, 31];
  const s = {
    M,
    N,
    K,
    batch: 1,
    a: rowMajor(K),
    b: transposed(K),
    c: { off: 0, batch: 0, row: N },
    relu: true,
  };
  await check(s, M * K, N * K, M * N, true);
});

Deno.test("matmul: batched dYᵀ·X written at an offset of each gradient row", async () => {
  // dW[b] (M×K) = dY[b]ᵀ (M×rows) · X[b] (rows×K), into row b of a gradient matrix of stride d at offset off.
  const [batch, rows, M, K, d, off] = [5, 11, 7, 9, 400, 37];
  const s: MatmulShape = {
    M,
    N: K,
    K: rows,
    batch,
    a: { off: 0, batch: rows * M, row: 1, col: M }, // dY[b] is rows×M row-major, read transposed
    b: { off: 0, batch: rows * K, row: K, col: 1 },
    c: { off, batch: d, row: K },
  };
  await check(s, batch * rows * M, batch * rows * K, batch * d, false);
});
