import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { aggregateOnGpu } from "../gar/run.ts";
import { getRule } from "../gar/registry.ts";
import type { Behaviour, Rule } from "../gar/rule.ts";
import { assertClose, randomFloats, testRandom } from "./helpers.ts";

const NAMES = ["median", "trmean", "phocas", "meamed"];
const GOLDEN = ["reference-v1-gars-attacks.json", "reference-v2-gars-attacks.json"];

type Num = number | "nan" | "inf" | "-inf";
interface Case {
  kind: string;
  name: string;
  n: number;
  f: number;
  args?: Record<string, unknown>;
  inputs?: Num[][];
  output?: Num[];
  upper_bound?: number | null;
  valid?: boolean;
}

function num(x: Num): number {
  return x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : x;
}

async function golden(file: string): Promise<Case[]> {
  const url = new URL(`../../shared/golden/${file}`, import.meta.url);
  const cases: Case[] = JSON.parse(await Deno.readTextFile(url)).cases;
  return cases.filter((c) => NAMES.includes(c.name));
}

/** Aggregates with the TypeScript reference and on the GPU (in `behaviour`, default corrected); returns both. */
async function both(
  rule: Rule,
  rows: Float32Array[],
  f: number,
  behaviour?: Behaviour,
): Promise<[Float32Array, Float32Array]> {
  assert.equal(rule.check(rows.length, f, {}, behaviour), undefined, `${rule.name} n=${rows.length} f=${f}`);
  return [
    rule.aggregate(rows, f, {}, behaviour),
    await aggregateOnGpu(await acquireGpu(), rule, rows, f, {}, behaviour),
  ];
}

/** The two behaviours: only `median` differs (for even n); the other coordinate rules ignore it. */
const BEHAVIOURS: readonly Behaviour[] = ["reference-v1", "corrected"];

/** n rows of d random floats. */
function randomRows(n: number, d: number, seed: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => randomFloats(d, seed * 1000 + i, 2));
}

for (const file of GOLDEN) {
  Deno.test(`coordinate rules reproduce the golden cases of ${file} (TypeScript and GPU)`, async () => {
    const worst = new Map<string, [number, number]>();
    for (const c of await golden(file)) {
      const rule = getRule(c.name);
      if (c.kind === "gar-check") {
        const valid = rule.check(c.n, c.f, {}, "reference-v1") === undefined;
        assert.equal(valid, c.valid, `${c.name} check n=${c.n} f=${c.f}`);
        continue;
      }
      if (c.kind !== "gar") continue;
      const rows = c.inputs!.map((r) => Float32Array.from(r, num));
      const expected = Float32Array.from(c.output!, num);
      // The golden files hold the reference's outputs: compared with its behaviour.
      const [ts, gpu] = await both(rule, rows, c.f, "reference-v1");
      const what = `${c.name} n=${c.n} f=${c.f} d=${rows[0].length}`;
      const [a, b] = worst.get(c.name) ?? [0, 0];
      worst.set(c.name, [
        Math.max(a, assertClose(ts, expected, 1e-4, `${what} (TS)`)),
        Math.max(b, assertClose(gpu, expected, 1e-4, `${what} (GPU)`)),
      ]);
      if (c.upper_bound === null) assert.equal(rule.upperBound, undefined);
      else assert.ok(Math.abs(rule.upperBound!(c.n, c.f, rows[0].length) - c.upper_bound!) < 1e-12, what);
    }
    for (const [name, [ts, gpu]] of worst) {
      console.log(
        `${file}: ${name} worst relative error TS ${ts.toExponential(2)}, GPU ${gpu.toExponential(2)}`,
      );
    }
  });
}

Deno.test("coordinate rules: checks and their messages", () => {
  const expect = (n: number, f: number) =>
    `Invalid number of Byzantine gradients to tolerate, got f = ${f}, expected 1 ≤ f ≤ ${
      Math.floor((n - 1) / 2)
    }`;
  for (const name of ["trmean", "phocas", "meamed"]) {
    const rule = getRule(name);
    assert.equal(rule.check(9, 4, {}), undefined);
    assert.equal(rule.check(3, 1, {}), undefined);
    assert.equal(rule.check(9, 5, {}), expect(9, 5));
    assert.equal(rule.check(9, 0, {}), expect(9, 0));
    assert.equal(rule.check(9, 1.5, {}), expect(9, 1.5));
    assert.equal(
      rule.check(2, 1, {}),
      "Invalid number of Byzantine gradients to tolerate, got f = 1, expected 1 ≤ f ≤ 0",
    );
    assert.equal(rule.upperBound, undefined);
  }
  const median = getRule("median");
  assert.equal(median.check(1, 0, {}), undefined);
  assert.equal(median.check(2, 7, {}), undefined);
  assert.equal(median.check(0, 0, {}), "Expected a list of at least one gradient to aggregate, got 0");
  assert.ok(Math.abs(median.upperBound!(9, 1, 2) - 0.35355339) < 1e-8); // spec 13.2
});

Deno.test("coordinate rules: hand example A of spec 13.1 and the even-count median", async () => {
  const points = [[3, 1], [-2, 3], [-3, -2], [-2, 2], [-2, 0], [1, 2], [3, 0], [-1, -1], [9, -7]];
  const rows = points.map((p) => Float32Array.from(p));
  const expected: Record<string, number[]> = {
    median: [-1, 0],
    trmean: [0, 2 / 7],
    phocas: [-3 / 8, 5 / 8],
    meamed: [-3 / 8, 5 / 8],
  };
  for (const name of NAMES) {
    for (const behaviour of BEHAVIOURS) {
      for (const got of await both(getRule(name), rows, 1, behaviour)) {
        assertClose(got, expected[name], 1e-6, `${name} ${behaviour}`);
      }
    }
  }
  // Even count: the lower median (reference-v1, spec 13.1) or the mean of the two middle values (corrected).
  const even = [4, 1, 3, 2].map((x) => Float32Array.of(x));
  const median = getRule("median");
  for (const got of await both(median, even, 1, "reference-v1")) assert.deepEqual(got, Float32Array.of(2));
  for (const got of await both(median, even, 1, "corrected")) assert.deepEqual(got, Float32Array.of(2.5));
  assert.deepEqual(median.aggregate(even, 1, {}), Float32Array.of(2.5), "default: corrected");
});

Deno.test("phocas and meamed break distance ties by the lower row index", async () => {
  // Columns (1,1,2,3,3) and (3,3,2,1,1): centre 2, four values at distance 1, the highest row is dropped.
  const rows = [[1, 3], [1, 3], [2, 2], [3, 1], [3, 1]].map((r) => Float32Array.from(r));
  for (const name of ["phocas", "meamed"]) {
    for (const got of await both(getRule(name), rows, 1)) assert.deepEqual(got, Float32Array.of(1.75, 2.25));
  }
  // Many ties on small integers: GPU (windowed δ, row-order ties) against the definition-based reference.
  const random = testRandom(5);
  for (const [n, f] of [[10, 3], [9, 4], [12, 2]]) {
    const tied = Array.from(
      { length: n },
      () => Float32Array.from({ length: 500 }, () => Math.floor(random() * 5) - 2),
    );
    for (const name of NAMES) {
      const rule = getRule(name);
      const [ts, gpu] = await both(rule, tied, f);
      assertClose(gpu, ts, 1e-6, `${name} ties n=${n} f=${f}`);
      assert.deepEqual(await aggregateOnGpu(await acquireGpu(), rule, tied, f, {}), gpu, "deterministic");
    }
  }
});

Deno.test("coordinate rules: GPU matches the reference on awkward shapes", async () => {
  const shapes: [string, number, number, number][] = [
    ["median", 1, 0, 5],
    ["median", 2, 0, 70],
    ["trmean", 3, 1, 1],
    ["phocas", 3, 1, 65],
    ["meamed", 3, 1, 63],
    ...NAMES.map((name): [string, number, number, number] => [name, 4, 1, 129]),
    ["median", 64, 31, 333],
    ["trmean", 64, 20, 333],
    ["phocas", 64, 5, 333],
    ["meamed", 64, 31, 333],
    ["phocas", 100, 49, 200],
    ["meamed", 100, 10, 200],
    ["median", 256, 0, 100],
    ["phocas", 256, 100, 100],
  ];
  const worst = new Map<string, number>();
  for (const [name, n, f, d] of shapes) {
    // From n = 100 on, values are multiples of 1/4: many exact ties, in the unrolled and the looped row pass.
    const rows = randomRows(n, d, n + f).map((row) => n >= 100 ? row.map((x) => Math.round(4 * x) / 4) : row);
    for (const behaviour of name === "median" ? BEHAVIOURS : [undefined]) {
      const [ts, gpu] = await both(getRule(name), rows, f, behaviour);
      const error = assertClose(gpu, ts, 1e-5, `${name} ${behaviour} n=${n} f=${f} d=${d}`);
      const key = `${name}${behaviour ? ` ${behaviour}` : ""}`;
      worst.set(key, Math.max(worst.get(key) ?? 0, error));
    }
  }
  for (const [key, error] of worst) {
    console.log(`  ${key}: worst relative error GPU vs TS ${error.toExponential(2)}`);
  }
});

Deno.test("coordinate rules sort NaN as +∞", async () => {
  const rows = [NaN, 1, 2].map((x) => Float32Array.of(x));
  const expected: Record<string, number> = { median: 2, trmean: 2, phocas: 1.5, meamed: 1.5 };
  for (const name of NAMES) {
    for (const got of await both(getRule(name), rows, 1)) {
      assert.deepEqual(got, Float32Array.of(expected[name]));
    }
  }
  // Even count, one NaN: sorted 1, 2, 3, NaN.
  const four = [NaN, 3, 1, 2].map((x) => Float32Array.of(x));
  for (const got of await both(getRule("median"), four, 1, "reference-v1")) {
    assert.deepEqual(got, Float32Array.of(2));
  }
  for (const got of await both(getRule("median"), four, 1, "corrected")) {
    assert.deepEqual(got, Float32Array.of(2.5));
  }
});

Deno.test("coordinate rules: up to f non-finite values per coordinate give a finite result", async () => {
  const n = 11, f = 3, d = 300;
  const bad = [NaN, Infinity, -Infinity];
  const random = testRandom(78);
  // Mixed: coordinate j gets j mod (f+1) non-finite values of random kinds in distinct random rows.
  const mixed = randomRows(n, d, 77);
  for (let j = 0; j < d; j++) {
    const chosen = new Set<number>();
    while (chosen.size < j % (f + 1)) chosen.add(Math.floor(random() * n));
    for (const i of chosen) mixed[i][j] = bad[Math.floor(random() * 3)];
  }
  // Whole rows: f rows entirely NaN (what the `nan` attack sends), or +∞, −∞, NaN.
  const nanRows = randomRows(n, d, 79).map((row, i) => i >= n - f ? row.fill(NaN) : row);
  const infRows = randomRows(n, d, 80).map((row, i) => i < f ? row.fill(bad[i]) : row);
  // Even n: the true median (corrected) needs its two middle values finite, i.e. f ≤ n/2 − 1.
  const evenNanRows = randomRows(n + 1, d, 81).map((row, i) => i < f ? row.fill(NaN) : row);
  for (const rows of [mixed, nanRows, infRows, evenNanRows]) {
    for (const name of NAMES) {
      for (const behaviour of name === "median" ? BEHAVIOURS : [undefined]) {
        const [ts, gpu] = await both(getRule(name), rows, f, behaviour);
        for (let j = 0; j < d; j++) {
          assert.ok(Number.isFinite(ts[j]) && Number.isFinite(gpu[j]), `${name} ${behaviour} [${j}]`);
        }
        assertClose(gpu, ts, 1e-5, `${name} ${behaviour} with non-finite inputs`);
      }
    }
  }
});
