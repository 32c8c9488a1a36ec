import assert from "node:assert/strict";
import { getAttack } from "../attacks/registry.ts";
import { attackOnGpu } from "../attacks/run.ts";
import { lineMaximize } from "../attacks/line_search.ts";
import type { Attack } from "../attacks/attack.ts";
import { acquireGpu, type Gpu } from "../gpu/device.ts";
import { Params, readFloats, storageBuffer, writeBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import { getRule } from "../gar/registry.ts";
import type { Args, Behaviour, Rule } from "../gar/rule.ts";
import { average } from "../gar/average.ts";
import { perElement } from "../ops/launch.ts";
import { clip } from "../ops/optim.ts";
import { Reduce, reduceRows } from "../ops/reduce.ts";
import { PyFloat } from "../results/format.ts";
import { assertClose, randomFloats } from "./helpers.ts";

// ---------------------------------------------------------------------------------------------------------
// Helpers

/**
 * Runs `attack` through `generate` and the GPU path (in `behaviour`, default corrected); checks both against
 * each other (and returns both).
 */
async function both(
  gpu: Gpu,
  attack: Attack,
  honest: Float32Array[],
  fReal: number,
  fDecl: number,
  rule: Rule,
  args: Args,
  rtol = 1e-5,
  behaviour?: Behaviour,
) {
  const ts = attack.generate(honest, fReal, fDecl, rule, args, behaviour);
  assert.equal(ts.length, fReal);
  if (fReal === 0) return { ts, gpu: [] };
  const onGpu = await attackOnGpu(gpu, attack, honest, fReal, fDecl, rule, args, behaviour);
  onGpu.forEach((row, i) =>
    assertClose(row, ts[i], rtol, `${attack.name} ${behaviour} ${JSON.stringify(args)} GPU row ${i}`)
  );
  return { ts, gpu: onGpu };
}

function rowsOf(count: number, d: number, seed: number, scale = 1): Float32Array[] {
  return Array.from({ length: count }, (_, i) => randomFloats(d, seed * 1000 + i, scale));
}

// ---------------------------------------------------------------------------------------------------------
// Golden cases of the reference implementation (shared/golden, see its README)

type Num = number | string;
interface AttackCase {
  kind: string;
  name: string;
  gar: string;
  n: number;
  f: number;
  d: number;
  args: Record<string, unknown>;
  honest: Num[][];
  byzantine: Num[];
  aggregate: Num[] | null;
}

const num = (v: Num) => typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity;
const vec = (v: Num[]) => Float32Array.from(v, num);

function goldenFile(name: string): string | undefined {
  const dirs = [Deno.env.get("GOLDEN_DIR"), "../shared/golden/", "../../shared/golden/"];
  for (const dir of dirs) {
    if (!dir) continue;
    const url = dir.startsWith("/") ? `${dir}/${name}` : new URL(dir + name, import.meta.url);
    try {
      return Deno.readTextFileSync(url);
    } catch {
      continue;
    }
  }
  return undefined;
}

function registeredRule(name: string): Rule | undefined {
  try {
    return getRule(name);
  } catch {
    return undefined;
  }
}

/** The golden files hold the reference's outputs: attacks and rules run with its behaviour. */
const V1: Behaviour = "reference-v1";

for (const file of ["reference-v1-gars-attacks.json", "reference-v2-gars-attacks.json"]) {
  const text = goldenFile(file);
  Deno.test({
    name: `attacks: golden cases of ${file} (generate, GPU, aggregate)`,
    ignore: text === undefined,
    async fn() {
      const gpu = await acquireGpu();
      const cases = (JSON.parse(text!).cases as AttackCase[]).filter((c) => c.kind === "attack");
      assert.ok(cases.length > 0);
      const worst = new Map<string, { ts: number; gpu: number; aggregate: number; aggregated: number }>();
      const missing = new Set<string>();
      for (const c of cases) {
        const attack = getAttack(c.name);
        const honest = c.honest.map(vec);
        const fReal = c.n - honest.length;
        const rule = registeredRule(c.gar);
        if (!rule) missing.add(c.gar);
        assert.equal(attack.check(honest.length, fReal, c.f, c.args, V1), undefined);
        // Fixed-factor cases do not use the rule; `average` stands in for a rule not registered yet.
        const ts = attack.generate(honest, fReal, c.f, rule ?? average, c.args, V1);
        const onGpu = await attackOnGpu(gpu, attack, honest, fReal, c.f, rule ?? average, c.args, V1);
        const expected = vec(c.byzantine);
        const what = `${file} ${c.name}/${c.gar} n=${c.n} f=${c.f} ${JSON.stringify(c.args)}`;
        const w = worst.get(c.name) ?? { ts: 0, gpu: 0, aggregate: 0, aggregated: 0 };
        for (let i = 0; i < fReal; i++) {
          w.ts = Math.max(w.ts, assertClose(ts[i], expected, 1e-4, `${what} generate`));
          w.gpu = Math.max(w.gpu, assertClose(onGpu[i], expected, 1e-4, `${what} GPU`));
        }
        if (rule && c.aggregate !== null) {
          const out = rule.aggregate([...honest, ...ts], c.f, {}, V1);
          w.aggregate = Math.max(w.aggregate, assertClose(out, vec(c.aggregate), 1e-4, `${what} aggregate`));
          w.aggregated++;
        }
        worst.set(c.name, w);
      }
      for (const [name, w] of worst) {
        console.log(
          `  ${file} ${name}: worst relative error generate ${w.ts.toExponential(2)}, GPU ${
            w.gpu.toExponential(2)
          }, aggregate ${w.aggregate.toExponential(2)} (${w.aggregated} aggregates compared)`,
        );
      }
      if (missing.size > 0) {
        console.log(`  note: rules not registered yet, aggregates skipped: ${[...missing].join(", ")}`);
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Spec 13.3 hand values

const HAND = [Float32Array.of(1, 2), Float32Array.of(3, 2), Float32Array.of(2, 5)];

Deno.test("attacks: spec 13.3 hand values (generate and GPU)", async () => {
  const gpu = await acquireGpu();
  const s3 = Math.sqrt(3);
  // [attack, args, expected vector, f_real = f_decl (default 2)]
  const cases: [string, Args, number[], number?][] = [
    ["little", { factor: 1.5, negative: true }, [0.5, 3 - 1.5 * s3]],
    ["little", { factor: 1.5 }, [3.5, 3 + 1.5 * s3]],
    ["empire", { factor: 1.1 }, [-0.2, -0.3]],
    ["empire-strict", {}, [-2, -3]],
    ["bulyan", { factor: 2 }, [2, 5]],
    ["bulyan", { factor: 2, target_idx: 0 }, [4, 3]],
    ["bulyan", { factor: new PyFloat(2), target_idx: "all" }, [4, 5]],
    ["nan", {}, [NaN, NaN]],
    ["anticge", {}, [-3.4474985, -4.1369982], 1], // f_decl = 1 (and f_real ≤ f_decl, else NaN)
  ];
  for (const [name, args, expected, f = 2] of cases) {
    const attack = getAttack(name);
    assert.equal(attack.check(3, f, f, args), undefined);
    const { ts, gpu: onGpu } = await both(gpu, attack, HAND, f, f, average, args);
    for (const row of [...ts, ...onGpu]) assertClose(row, expected, 1e-6, `${name} ${JSON.stringify(args)}`);
  }
  // anticge: the Byzantine norm is just below the p-th smallest honest norm (√29).
  const [byz] = getAttack("anticge").generate(HAND, 1, 1, average, {});
  const norm = Math.hypot(byz[0], byz[1]);
  assert.ok(norm <= Math.sqrt(29) && norm > Math.sqrt(29) * (1 - 1e-6), `${norm}`);
});

Deno.test("attacks: anticge sends NaN when f_real > f_decl, nothing when f_real = 0", async () => {
  const gpu = await acquireGpu();
  const nanCase = await both(gpu, getAttack("anticge"), HAND, 2, 1, average, {});
  for (const row of [...nanCase.ts, ...nanCase.gpu]) assert.ok(row.every(Number.isNaN));
  assert.deepEqual(getAttack("anticge").generate(HAND, 0, 0, average, {}), []);
});

// ---------------------------------------------------------------------------------------------------------
// Parameter checks (spec 7.2, 7.3; messages as the reference's)

Deno.test("attacks: checks and their messages", () => {
  const check = (name: string, args: Args, h = 3, fReal = 2, fDecl = 2) =>
    getAttack(name).check(h, fReal, fDecl, args);
  const factorMessage = "Expected a positive number or a negative integer for the attack factor, got ";
  for (const name of ["little", "empire", "bulyan"]) {
    assert.equal(check(name, {}), undefined);
    assert.equal(check(name, { factor: -4, negative: true }), undefined);
    assert.equal(check(name, { factor: 3 }), undefined);
    assert.equal(check(name, { factor: true }), undefined); // a Python bool is an int
    assert.equal(check(name, { factor: -1.5 }), factorMessage + "-1.5");
    assert.equal(check(name, { factor: new PyFloat(-16) }), factorMessage + "-16.0");
    assert.equal(check(name, { factor: 0 }), factorMessage + "0");
    assert.equal(check(name, { factor: "x" }), factorMessage + "'x'");
    assert.equal(check(name, { negative: 1 }), "Expected a boolean for optional parameter 'negative', got 1");
    assert.equal(
      check(name, { legacy_sign: "no" }),
      "Expected a boolean for optional parameter 'legacy_sign', got 'no'",
    );
  }
  assert.equal(check("bulyan", { target_idx: "all" }), undefined);
  assert.equal(check("bulyan", { target_idx: -2 }), undefined);
  assert.equal(
    check("bulyan", { target_idx: "x" }),
    `Expected an integer or "all" for 'target_idx', got 'x'`,
  );
  assert.throws(
    () => getAttack("bulyan").generate(HAND, 1, 1, average, { target_idx: 2 }),
    /index 2 is out of bounds for dimension 0 with size 2/,
  );
  assert.equal(check("empire-strict", { epsilon: -3 }), undefined);
  assert.equal(
    check("empire-strict", { epsilon: new PyFloat(0.5) }),
    "Expected a non-zero attack epsilon, got 0.5",
  );
  assert.equal(check("empire-strict", { epsilon: 0 }), "Expected a non-zero attack epsilon, got 0");
  assert.equal(
    check("anticge", {}, 3, 2, 4),
    "Expected at most h = 3 declared Byzantine gradients, got f_decl = 4",
  );
  assert.equal(check("anticge", {}, 3, 5, 4), undefined);
  for (const name of ["little", "empire", "bulyan", "empire-strict", "anticge", "nan"]) {
    assert.equal(check(name, {}, 0), "Expected a non-empty list of honest gradients, got []");
    assert.equal(
      check(name, {}, 3, -1),
      "Expected a non-negative number of Byzantine gradients to generate, got -1",
    );
  }
});

// ---------------------------------------------------------------------------------------------------------
// Line search (negative integer factor): TypeScript reference vs the GPU controller loop

/**
 * A test-only rule with a non-monotone attack objective: rows whose norm exceeds c are rescaled to unit norm
 * (the reference-v1 clipping of spec 3.3), then averaged. The objective grows with the factor until the
 * Byzantine norm crosses c, then drops. The GPU version works on a copy of the input.
 */
function rescaledMean(c: number): Rule {
  return {
    name: "rescaled-mean",
    check: () => undefined,
    aggregate(rows) {
      const rescaled = rows.map((row) => {
        const norm = Math.fround(Math.sqrt(row.reduce((a, x) => a + x * x, 0)));
        return norm > c ? row.map((x) => x * Math.fround(1 / norm)) : row;
      });
      return average.aggregate(rescaled, 0, {});
    },
    bind(gpu, b) {
      const copy = storageBuffer(gpu, b.n * b.d * 4, "rescaled-copy");
      const norms = storageBuffer(gpu, b.n * 4, "rescaled-norms");
      const dispatches = [
        ...reduceRows(gpu, b.input, { rows: b.n, len: b.d, stride: b.d }, Reduce.SumSquares, norms, 0, true),
        clip(gpu, norms, 0, copy, b.n, b.d, b.d, c, true),
        perElement(gpu, "average.wgsl", new Params().u32(b.n).u32(b.d), [copy, b.output], b.d),
      ];
      return {
        record(rec) {
          rec.copy(b.input, 0, copy, 0, b.n * b.d * 4);
          dispatches.forEach((d) => rec.run(d));
        },
      };
    },
  };
}

Deno.test("attacks: line search against average (monotone objective) and the sign QUIRK", async () => {
  const gpu = await acquireGpu();
  const honest = rowsOf(7, 37, 5);
  const little = getAttack("little");
  const plain = await both(gpu, little, honest, 3, 3, average, { factor: -16 }, 1e-4);
  // The objective grows with x: the search keeps doubling, 0, 1, 3, ..., 2^15 − 1.
  const reference = little.generate(honest, 3, 3, average, { factor: 32767.0 });
  assertClose(plain.ts[0], reference[0], 1e-6, "expansion only");
  const negated = little.generate(honest, 3, 3, average, { factor: 32767.0, negative: true })[0];
  // [args, behaviour, whether the submitted vector is avg + x_best·dir (the quirk) rather than avg − x_best·dir]
  const cases: [Args, Behaviour | undefined, boolean][] = [
    [{ negative: true }, "reference-v1", true], // spec 7.2 QUIRK: +x_best despite negative
    [{ negative: true }, "corrected", false], // the searched sign
    [{ negative: true }, undefined, false], // default: corrected
    [{ negative: true, legacy_sign: false }, "reference-v1", false], // explicit override
    [{ negative: true, legacy_sign: true }, "corrected", true],
  ];
  for (const [args, behaviour, quirk] of cases) {
    const { ts } = await both(gpu, little, honest, 3, 3, average, args, 1e-4, behaviour);
    assertClose(ts[0], quirk ? reference[0] : negated, 1e-6, `${JSON.stringify(args)} ${behaviour}`);
  }
});

Deno.test("attacks: the line search evaluates the rule in the attack's behaviour", async () => {
  const gpu = await acquireGpu();
  const honest = Array.from(
    { length: 9 },
    (_, i) => randomFloats(16, 300 + i).map((x, j) => x + (j % 2 ? 0.4 : -0.2)),
  );
  // Cases where the two behaviours of the rule lead the search to different factors (n = 12: even median).
  const cases: [string, string, number][] = [["median", "little", 3], ["krum", "empire", 3], [
    "bulyan",
    "little",
    2,
  ]];
  for (const [ruleName, attackName, f] of cases) {
    const rule = getRule(ruleName), attack = getAttack(attackName);
    const avg = honest[0].map((_, j) => honest.reduce((s, row) => s + row[j], 0) / honest.length);
    const dir = attackName === "little"
      ? avg.map((m, j) =>
        Math.sqrt(honest.reduce((s, row) => s + (row[j] - m) ** 2, 0) / (honest.length - 1))
      )
      : avg.map((m) => -m);
    const rows: Float32Array[] = [];
    for (const behaviour of ["reference-v1", "corrected"] as const) {
      // The search of spec 7.2 written out, against the rule in `behaviour`.
      const vector = (x: number) => avg.map((a, j) => a + Math.fround(Math.fround(x) * dir[j]));
      const x = lineMaximize((t) => {
        const out = rule.aggregate([...honest, ...Array(f).fill(vector(t))], f, {}, behaviour);
        return out.reduce((acc, o, j) => acc + Math.fround(o - avg[j]) ** 2, 0);
      }, 16);
      const { ts, gpu: onGpu } = await both(gpu, attack, honest, f, f, rule, {}, 1e-4, behaviour);
      assertClose(ts[0], vector(x), 1e-6, `${attackName} vs ${ruleName} ${behaviour}`);
      rows.push(onGpu[0]);
    }
    assert.notDeepEqual(rows[0], rows[1], `${ruleName}: the behaviours lead to the same attack`);
  }
});

Deno.test("attacks: line search against a non-monotone rule, GPU controller vs TypeScript", async () => {
  const gpu = await acquireGpu();
  const rule = rescaledMean(3);
  const honest = rowsOf(9, 23, 7, 0.4).map((row, i) =>
    row.map((x, j) => x + (j % 3 === 0 ? 0.3 : 0) + i * 0.01)
  );
  // [attack, args, whether the best point comes from the contraction phase on these inputs]
  const cases: [string, Args, boolean][] = [
    ["little", { factor: -16 }, true],
    ["little", { factor: -7, negative: true, legacy_sign: false }, false],
    ["empire", { factor: -16 }, true],
    ["bulyan", { factor: -12, target_idx: "all" }, false],
    ["empire-strict", { epsilon: -16 }, true],
  ];
  const expansion = [1, 3, 7, 15, 31, 63, 127, 255, 511, 1023, 2047, 4095, 8191, 16383, 32767];
  for (const [name, args, contracts] of cases) {
    const attack = getAttack(name);
    const { ts } = await both(gpu, attack, honest, 4, 4, rule, args, 1e-4);
    if (!contracts) continue;
    const isExpansionPoint = expansion.some((x) => {
      const fixed = name === "empire-strict" ? { epsilon: x } : { ...args, factor: x };
      const row = attack.generate(honest, 4, 4, rule, fixed)[0];
      return row.every((v, j) => Math.abs(v - ts[0][j]) < 1e-6);
    });
    assert.ok(!isExpansionPoint, `${name}: the contraction phase did not improve on the expansion`);
  }
});

Deno.test("attacks: line search against the grid's robust rules (when registered), GPU vs TypeScript", async () => {
  const gpu = await acquireGpu();
  const [h, f, d] = [20, 5, 32];
  const honest = rowsOf(h, d, 11).map((row) => row.map((x) => x + 0.5));
  const cases: [string, Args][] = [["little", {}], ["empire", {}], ["empire-strict", { epsilon: -16 }]];
  for (const name of ["median", "krum", "bulyan"]) {
    const rule = registeredRule(name);
    if (!rule) {
      console.log(`  note: rule '${name}' not registered yet, skipped`);
      continue;
    }
    // The search evaluates the rule in the attack's behaviour (reference-v1: the reference's rule).
    for (const behaviour of ["reference-v1", "corrected"] as const) {
      for (const [attack, args] of cases) {
        await both(gpu, getAttack(attack), honest, f, f, rule, args, 1e-4, behaviour);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Awkward shapes: GPU vs TypeScript

Deno.test("attacks: awkward shapes, GPU vs TypeScript, honest rows untouched", async () => {
  const gpu = await acquireGpu();
  const shapes: [number, number, number, number][] = [[1, 1, 1, 1], [2, 3, 5, 6], [13, 1000, 3, 4], [
    5,
    4099,
    2,
    1,
  ]];
  const attacks: [string, Args][] = [
    ["little", { factor: 1.5 }],
    ["little", { factor: 2, negative: true }],
    ["empire", { factor: 1.1 }],
    ["bulyan", { factor: 3 }],
    ["bulyan", { factor: 3, target_idx: 0 }],
    ["bulyan", { factor: new PyFloat(0.5), target_idx: "all" }],
    ["empire-strict", { epsilon: 3 }],
    ["anticge", {}],
    ["nan", {}],
  ];
  for (const [h, d, fReal, fDecl] of shapes) {
    const honest = rowsOf(h, d, h * 7 + d);
    for (const [name, args] of attacks) {
      const attack = getAttack(name);
      if (attack.check(h, fReal, fDecl, args) !== undefined) continue;
      await both(gpu, attack, honest, fReal, fDecl, average, args, 1e-5);
    }
  }
  // Honest rows stay as they are and f_real = 0 writes nothing.
  const h = 4, d = 300, fReal = 2;
  const honest = rowsOf(h, d, 99);
  for (const [name, args] of attacks) {
    for (const f of [0, fReal]) {
      const submitted = storageBuffer(gpu, (h + fReal) * d * 4, "submitted");
      honest.forEach((row, i) => writeBuffer(gpu, submitted, i * d * 4, row));
      const rec = new Recorder(gpu);
      getAttack(name).bind(gpu, { h, fReal: f, fDecl: fReal, d, submitted, rule: average, args }).record(rec);
      rec.submit();
      const all = await readFloats(gpu, submitted, (h + fReal) * d);
      honest.forEach((row, i) =>
        assert.deepEqual(all.subarray(i * d, (i + 1) * d), row, `${name}: row ${i}`)
      );
      if (f === 0) assert.ok(all.subarray(h * d).every((x) => x === 0), `${name}: f_real = 0 wrote rows`);
      submitted.destroy();
    }
  }
});

Deno.test("attacks: h = 1 gives a NaN deviation for little (torch's unbiased variance)", () => {
  const [row] = getAttack("little").generate([Float32Array.of(1, 2)], 1, 1, average, { factor: 1.5 });
  assert.ok(row.every(Number.isNaN));
});
