import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { Params, readFloats, uploadBuffer } from "../gpu/buffers.ts";
import { bind, Recorder } from "../gpu/kernel.ts";
import { loadShader } from "../gpu/shaders.ts";
import { ORDER_KEY_WGSL, sortColumnWgsl, sortingNetwork } from "../shaders/sortnet.ts";
import { randomFloats, testRandom } from "./helpers.ts";

/** Applies the network to `values` in place. */
function applyNetwork(net: [number, number][], values: Float64Array): void {
  for (const [a, b] of net) {
    if (values[a] > values[b]) [values[a], values[b]] = [values[b], values[a]];
  }
}

Deno.test("sortingNetwork sorts every 0/1 input for n ≤ 20 (zero-one principle)", () => {
  for (let n = 0; n <= 20; n++) {
    const net = sortingNetwork(n);
    for (const [a, b] of net) assert.ok(0 <= a && a < b && b < n, `n=${n}: bad comparator ${a},${b}`);
    // Bit-sliced: word w holds the 32 inputs 32w … 32w+31; bit i of an input is the value at position i.
    const low = [0xaaaaaaaa, 0xcccccccc, 0xf0f0f0f0, 0xff00ff00, 0xffff0000];
    const words = Math.max(1, 2 ** n / 32);
    const v = new Int32Array(n);
    for (let w = 0; w < words; w++) {
      for (let i = 0; i < n; i++) v[i] = i < 5 ? low[i] : (w >> (i - 5)) & 1 ? -1 : 0;
      for (const [a, b] of net) {
        const lo = v[a] & v[b];
        v[b] = v[a] | v[b];
        v[a] = lo;
      }
      const valid = n >= 5 ? -1 : (1 << (2 ** n)) - 1; // inputs that exist in this word
      for (let i = 0; i + 1 < n; i++) assert.equal(v[i] & ~v[i + 1] & valid, 0, `n=${n}: unsorted at ${i}`);
    }
  }
});

Deno.test("sortingNetwork sorts random inputs up to n = 256", () => {
  const random = testRandom(7);
  for (const n of [...Array.from({ length: 70 }, (_, i) => i + 1), 100, 127, 128, 129, 200, 255, 256]) {
    const net = sortingNetwork(n);
    for (let rep = 0; rep < 20; rep++) {
      // Few distinct values on odd repetitions, to exercise ties.
      const values = Float64Array.from({ length: n }, () => rep % 2 ? Math.floor(random() * 4) : random());
      const expected = values.slice().sort();
      applyNetwork(net, values);
      assert.deepEqual(values, expected, `n=${n}`);
    }
  }
  assert.equal(sortingNetwork(51).length, 415); // the size measured in shared/notes/webgpu-on-cpu.md
  assert.equal(sortingNetwork(64).length, 543); // (p² − p + 4)·2^(p−2) − 1 for n = 2^p
});

Deno.test("sortColumnWgsl sorts columns on the GPU like the TypeScript order (NaN last)", async () => {
  const gpu = await acquireGpu();
  const n = 37, d = 150;
  const data = randomFloats(n * d, 11, 5);
  const random = testRandom(12);
  const specials = [NaN, -NaN, Infinity, -Infinity, 0, -0];
  for (let k = 0; k < 300; k++) data[Math.floor(random() * n * d)] = specials[k % specials.length];
  const lines = [
    loadShader("common.wgsl"),
    ORDER_KEY_WGSL,
    `struct P { d: u32 }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read_write> S: array<f32>;`,
    `@compute @workgroup_size(64)`,
    `fn main(@builtin(global_invocation_id) g: vec3u) {`,
    `  let j = g.x;`,
    `  if (j >= p.d) { return; }`,
    ...Array.from({ length: n }, (_, i) => `  var w${i} = f32_key(S[${i}u * p.d + j]);`),
    sortColumnWgsl(n, "w"),
    ...Array.from({ length: n }, (_, i) => `  S[${i}u * p.d + j] = key_f32(w${i});`),
    `}`,
  ];
  const buffer = uploadBuffer(gpu, data, "columns");
  const params = new Params().u32(d).create(gpu, "p");
  const dispatch = bind(gpu, { shader: "test_sort_columns", code: lines.join("\n") }, [params, buffer], [
    Math.ceil(d / 64),
  ]);
  new Recorder(gpu).run(dispatch).submit();
  const got = await readFloats(gpu, buffer, n * d);
  const column = new Float32Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = data[i * d + j];
    column.sort();
    for (let i = 0; i < n; i++) {
      const a = got[i * d + j], e = column[i];
      assert.ok(
        Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)),
        `column ${j} rank ${i}: ${a} vs ${e}`,
      );
    }
  }
  buffer.destroy();
});
