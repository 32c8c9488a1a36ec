/**
 * The distance-based rules (krum, bulyan, aksel, brute, cge): golden cases of the reference (v1 and v2),
 * the hand-derived example of spec 13.1, bounds of 13.2, checks, awkward shapes (GPU against the TypeScript
 * reference), ties and non-finite rows.
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../gpu/device.ts";
import { aggregateOnGpu } from "../gar/run.ts";
import type { Args, Rule } from "../gar/rule.ts";
import { krum } from "../gar/krum.ts";
import { bulyan } from "../gar/bulyan.ts";
import { aksel } from "../gar/aksel.ts";
import { brute } from "../gar/brute.ts";
import { cge } from "../gar/cge.ts";
import { getRule } from "../gar/registry.ts";
import { distancesRef } from "../ops/distances.ts";
import { neighbourScoresRef } from "../ops/dist_select.ts";
import { assertClose, randomFloats } from "./helpers.ts";

type Num = number | "nan" | "inf" | "-inf";

interface GoldenCase {
  kind: string;
  name: string;
  n: number;
  f: number;
  d: number;
  args: Args;
  inputs: Num[][];
  output: Num[];
  upper_bound: number | null;
  valid: boolean;
}

const GOLDEN = ["reference-v1-gars-attacks.json", "reference-v2-gars-attacks.json"];
const RULES = [krum, bulyan, aksel, brute, cge];
const TOLERANCE = 1e-4; // of the largest magnitude of the expected vector (golden README)

function num(x: Num): number {
  return typeof x === "number" ? x : x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity;
}

function vector(xs: Num[]): Float32Array {
  return Float32Array.from(xs, num);
}

async function goldenCases(file: string): Promise<GoldenCase[]> {
  const text = await Deno.readTextFile(new URL(`../../shared/golden/${file}`, import.meta.url));
  return JSON.parse(text).cases;
}

/** Both implementations on `rows`; asserts that they agree within `rtol` and returns the TS result. */
async function both(rule: Rule, rows: Float32Array[], f: number, args: Args = {}, rtol = 1e-5) {
  const ts = rule.aggregate(rows, f, args);
  const gpu = await aggregateOnGpu(await acquireGpu(), rule, rows, f, args);
  assertClose(gpu, ts, rtol, `${rule.name} n=${rows.length} f=${f}: GPU vs TS`);
  return { ts, gpu };
}

for (const rule of RULES) {
  Deno.test(`${rule.name}: golden cases of the reference (TS and GPU)`, async () => {
    let total = 0;
    for (const file of GOLDEN) {
      const worst = { ts: 0, gpu: 0 };
      let count = 0;
      for (const c of (await goldenCases(file)).filter((c) => c.name === rule.name)) {
        if (c.kind === "gar-check") {
          assert.equal(rule.check(c.n, c.f, {}) === undefined, c.valid, `${file} check n=${c.n} f=${c.f}`);
          continue;
        }
        if (c.kind !== "gar") continue;
        const what = `${file} n=${c.n} f=${c.f} d=${c.d}`;
        if (rule === bulyan && c.n < 4 * c.f + 3) {
          // v1 accepted 2f+3 ≤ n < 4f+3 (a bug: β ≤ 0, spec 6.5); our corrected check refuses them, so
          // there is no value to compare (no such case is in the golden files at present).
          assert.match(rule.check(c.n, c.f, c.args) ?? "", /expected 1 ≤ f ≤/, what);
          console.log(`  ${what}: refused by the corrected check, value not compared`);
          continue;
        }
        assert.equal(rule.check(c.n, c.f, c.args), undefined, what);
        if (c.upper_bound === null) assert.equal(rule.upperBound, undefined);
        else assert.ok(Math.abs(rule.upperBound!(c.n, c.f, c.d) - c.upper_bound) <= 1e-12 * c.upper_bound);
        const rows = c.inputs.map(vector), expected = vector(c.output);
        const ts = rule.aggregate(rows, c.f, c.args);
        worst.ts = Math.max(worst.ts, assertClose(ts, expected, TOLERANCE, what));
        const gpu = await aggregateOnGpu(await acquireGpu(), rule, rows, c.f, c.args);
        worst.gpu = Math.max(worst.gpu, assertClose(gpu, expected, TOLERANCE, `${what} (GPU)`));
        count++;
      }
      if (count > 0) {
        console.log(
          `  ${rule.name} ${file}: ${count} cases, worst relative error TS ${worst.ts.toExponential(2)}, ` +
            `GPU ${worst.gpu.toExponential(2)}`,
        );
      }
      total += count;
    }
    assert.ok(total > 0, "golden cases found");
  });
}

Deno.test("registry: the distance-based rules are registered", () => {
  for (const rule of RULES) assert.equal(getRule(rule.name), rule);
});

// Spec 13.1, example A (n = 9, f = 1, d = 2).
const EXAMPLE = [[3, 1], [-2, 3], [-3, -2], [-2, 2], [-2, 0], [1, 2], [3, 0], [-1, -1], [9, -7]]
  .map((r) => Float32Array.from(r));

Deno.test("spec 13.1: hand-derived example A", async () => {
  const D = distancesRef(EXAMPLE, EXAMPLE, true);
  const krumScores = [
    29.999612,
    27.600520,
    32.383875,
    23.769568,
    22.354852,
    24.094730,
    30.492205,
    23.136458,
    83.174118,
  ];
  assertClose(neighbourScoresRef(D, 9, 7), krumScores, 1e-7, "krum scores (7 neighbours)");
  const bulyanScores = [
    23.291408,
    21.769568,
    25.675671,
    18.384403,
    17.255833,
    18.437875,
    24.167649,
    18.664322,
    68.961448,
  ];
  assertClose(neighbourScoresRef(D, 9, 6), bulyanScores, 1e-7, "bulyan scores (6 neighbours)");
  const cases: [Rule, Args, number[]][] = [
    [krum, {}, [-1 / 2, 7 / 6]],
    [krum, { m: 1 }, [-2, 0]],
    [krum, { m: 3 }, [-5 / 3, 1 / 3]],
    [bulyan, {}, [1 / 60, 229 / 180]],
    [aksel, {}, [-7 / 5, 1 / 5]],
    [aksel, { mode: "n-f" }, [-3 / 8, 5 / 8]],
    [brute, {}, [-3 / 8, 5 / 8]],
    [cge, {}, [-3 / 8, 5 / 8]],
  ];
  for (const [rule, args, expected] of cases) {
    assert.equal(rule.check(9, 1, args), undefined);
    const { ts, gpu } = await both(rule, EXAMPLE, 1, args);
    assertClose(ts, expected, 1e-6, `${rule.name} ${JSON.stringify(args)} TS`);
    assertClose(gpu, expected, 1e-6, `${rule.name} ${JSON.stringify(args)} GPU`);
  }
});

Deno.test("checks: the spec's messages", () => {
  const byz = (f: number, bound: number) =>
    `Invalid number of Byzantine gradients to tolerate, got f = ${f}, expected 1 ≤ f ≤ ${bound}`;
  assert.equal(krum.check(9, 4, {}), byz(4, 3));
  assert.equal(krum.check(9, 0, {}), byz(0, 3));
  assert.equal(krum.check(9, 1.5, {}), byz(1.5, 3));
  assert.equal(krum.check(0, 1, {}), "Expected a list of at least one gradient to aggregate, got 0");
  assert.equal(krum.check(9, 1, { m: 6 }), undefined);
  for (const m of [0, 7, 2.5]) {
    assert.equal(
      krum.check(9, 1, { m }),
      `Invalid number of selected gradients, got m = ${m}, expected 1 ≤ m ≤ 6`,
    );
  }
  assert.equal(bulyan.check(9, 2, {}), byz(2, 1)); // needs n ≥ 11 (spec 13.1)
  assert.equal(bulyan.check(11, 2, {}), undefined);
  assert.equal(
    bulyan.check(11, 2, { m: 8 }),
    "Invalid number of selected gradients, got m = 8, expected 1 ≤ m ≤ 7",
  );
  assert.equal(aksel.check(9, 5, {}), byz(5, 4));
  assert.equal(aksel.check(9, 4, { mode: "n-f" }), undefined);
  assert.equal(aksel.check(9, 4, { mode: "max" }), "Invalid operation mode 'max'");
  assert.equal(brute.check(9, 5, {}), byz(5, 4));
  assert.equal(brute.check(24, 4, {}), undefined); // C(24, 4) = 10 626 subsets
  assert.match(brute.check(40, 10, {}) ?? "refused", /C\(n, n − f\) = 847660528/);
  assert.match(brute.check(300, 1, {}) ?? "refused", /up to n = 256/);
  assert.equal(cge.check(1, 0, {}), undefined);
  assert.equal(
    cge.check(5, 5, {}),
    "Invalid number of Byzantine gradients to tolerate, got f = 5, expected 0 ≤ f ≤ 4",
  );
});

Deno.test("spec 13.2: upper bounds", () => {
  assertClose([krum.upperBound!(7, 1, 0)], [0.23570226], 1e-8);
  assertClose([krum.upperBound!(7, 1, 0) ** 2], [1 / 18], 1e-12);
  assertClose([krum.upperBound!(9, 1, 0) ** 2], [5 / 106], 1e-12);
  assertClose([bulyan.upperBound!(11, 2, 0)], [0.16574839], 1e-7);
  assertClose([krum.upperBound!(51, 24, 0)], [0.0056608], 1e-5);
  assertClose([brute.upperBound!(9, 1, 0)], [2 * Math.SQRT2], 1e-15);
  assert.equal(aksel.upperBound, undefined);
  assert.equal(cge.upperBound, undefined);
});

function randomRows(n: number, d: number, seed: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => randomFloats(d, seed * 7919 + i, 1 + (i % 5)));
}

Deno.test("awkward shapes: GPU matches the TypeScript reference", async () => {
  // d straddles the 1024-coordinate chunk; n crosses the 4/8/13-row distance blocks and reaches 256.
  const shapes: [Rule, number, number, number, Args][] = [
    [krum, 5, 1, 3, {}],
    [krum, 51, 24, 2049, {}],
    [krum, 256, 1, 300, { m: 17 }],
    [bulyan, 7, 1, 1025, {}],
    [bulyan, 51, 12, 2049, {}],
    [bulyan, 64, 15, 300, { m: 20 }],
    [bulyan, 256, 1, 40, {}],
    [aksel, 3, 1, 5, {}],
    [aksel, 51, 25, 2049, { mode: "n-f" }],
    [aksel, 64, 10, 700, {}],
    [aksel, 256, 127, 40, {}],
    [brute, 3, 1, 1025, {}],
    [brute, 12, 3, 1025, {}],
    [brute, 20, 5, 50, {}],
    [brute, 256, 1, 20, {}],
    [cge, 1, 0, 5, {}],
    [cge, 2, 1, 1025, {}],
    [cge, 256, 100, 300, {}],
  ];
  for (const [rule, n, f, d, args] of shapes) {
    assert.equal(rule.check(n, f, args), undefined, `${rule.name} n=${n} f=${f}`);
    await both(rule, randomRows(n, d, n + f + d), f, args);
  }
});

Deno.test("ties are broken by the lower index, identically on the GPU", async () => {
  // 1-D points 0..4: Krum scores (3 neighbours) are 6, 4, 4, 4, 6 whichever way the points are listed.
  for (const points of [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]]) {
    const rows = points.map((x) => Float32Array.of(x));
    const expected = points.find((x) => x >= 1 && x <= 3)!;
    const { ts, gpu } = await both(krum, rows, 1, { m: 1 });
    assert.deepEqual([ts[0], gpu[0]], [expected, expected], `krum on ${points}`);
  }
  // Norms 5, 1, 5, 5, 1: cge with f = 2 keeps the two of norm 1 and the first of norm 5.
  const rows = [[3, 4], [1, 0], [5, 0], [0, -5], [0, 1]].map((r) => Float32Array.from(r));
  const { ts, gpu } = await both(cge, rows, 2);
  assertClose(ts, [4 / 3, 5 / 3], 1e-7, "cge TS");
  assertClose(gpu, [4 / 3, 5 / 3], 1e-7, "cge GPU");
});

Deno.test("non-finite rows: up to f of them leave a finite result", async () => {
  const bad = [NaN, Infinity, -Infinity];
  const cases: [Rule, number, number, Args][] = [
    [krum, 11, 4, {}],
    [bulyan, 15, 3, {}],
    [aksel, 9, 4, {}],
    [aksel, 9, 4, { mode: "n-f" }],
    [brute, 9, 3, {}],
    [cge, 9, 4, {}],
  ];
  for (const [rule, n, f, args] of cases) {
    const rows = randomRows(n, 1500, n * f);
    for (let b = 0; b < f; b++) rows[2 * b + 1][(b * 331) % 1500] = bad[b % 3]; // bad rows 1, 3, 5, …
    const { ts, gpu } = await both(rule, rows, f, args);
    assert.ok(ts.every(Number.isFinite) && gpu.every(Number.isFinite), `${rule.name}: finite`);
    if (rule === brute || rule === cge || args.mode === "n-f") {
      // These average exactly n − f rows, all the finite ones.
      const honest = rows.filter((r) => r.every(Number.isFinite));
      const mean = honest[0].map((_, j) => honest.reduce((s, r) => s + r[j], 0) / honest.length);
      assertClose(gpu, mean, 1e-5, `${rule.name}: mean of the finite rows`);
    }
  }
});

Deno.test("brute: no finite subset throws in TS and gives NaN on the GPU", async () => {
  const rows = randomRows(5, 10, 1);
  rows[0][0] = NaN;
  rows[3][9] = NaN; // two bad rows, f = 1: every subset of 4 rows holds one
  assert.throws(() => brute.aggregate(rows, 1, {}), /non-finite distance was found between every subset/);
  const gpu = await aggregateOnGpu(await acquireGpu(), brute, rows, 1, {});
  assert.ok(gpu.every(Number.isNaN));
});
