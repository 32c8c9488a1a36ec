import assert from "node:assert/strict";
import { randomSeed, Rng } from "../data/rng.ts";

/** First `n` outputs of a generator. */
function take(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextU32());
}

Deno.test("xoshiro128** matches the reference outputs for state (1, 2, 3, 4)", () => {
  assert.deepEqual(take(Rng.fromState([1, 2, 3, 4]), 3), [11520, 0, 5927040]);
});

Deno.test("same seed and stream give the same sequence", () => {
  assert.deepEqual(take(new Rng(42, 3), 100), take(new Rng(42, 3), 100));
  assert.deepEqual(take(new Rng(42), 10), take(new Rng(42, 0), 10));
});

Deno.test("streams and seeds give different sequences", () => {
  const sequences = [new Rng(1, 0), new Rng(1, 1), new Rng(1, 2), new Rng(2, 0), new Rng(0, 1)].map((rng) =>
    take(rng, 8).join(",")
  );
  assert.equal(new Set(sequences).size, sequences.length);
});

Deno.test("outputs are 32-bit unsigned, floats in [0, 1) with 24 bits", () => {
  const rng = new Rng(7);
  for (let i = 0; i < 10000; i++) {
    const u = rng.nextU32();
    assert.ok(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
    const f = rng.nextFloat();
    assert.ok(f >= 0 && f < 1);
    assert.equal(Math.fround(f), f);
    assert.ok(Number.isInteger(f * 2 ** 24));
    const x = rng.uniform(-2, 3);
    assert.ok(x >= -2 && x < 3);
  }
});

Deno.test("permutation is a permutation, and differs between draws", () => {
  const rng = new Rng(5, 1);
  const first = rng.permutation(1000);
  const second = rng.permutation(1000);
  assert.deepEqual([...first].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual(first, second);
  assert.deepEqual(rng.permutation(0), new Uint32Array(0));
  assert.deepEqual(rng.permutation(1), new Uint32Array([0]));
});

Deno.test("state round trip continues the same sequence", () => {
  const rng = new Rng(123, 4);
  take(rng, 17);
  const copy = Rng.fromState(rng.getState());
  assert.deepEqual(take(copy, 50), take(rng, 50));
  assert.throws(() => Rng.fromState([0, 0, 0, 0]), RangeError);
  assert.throws(() => Rng.fromState([1, 2, 3]), RangeError);
  assert.throws(() => Rng.fromState([1, 2, 3, 2 ** 32]), RangeError);
  assert.throws(() => new Rng(1.5), RangeError);
});

Deno.test("rough uniformity of nextFloat, nextBelow and permutation positions", () => {
  const rng = new Rng(99);
  const bins = new Array(10).fill(0);
  const draws = 100000;
  for (let i = 0; i < draws; i++) bins[Math.floor(rng.nextFloat() * 10)]++;
  for (const count of bins) assert.ok(Math.abs(count - draws / 10) < 600, `bin count ${count}`);
  const below = new Array(3).fill(0);
  for (let i = 0; i < 30000; i++) below[rng.nextBelow(3)]++;
  for (const count of below) assert.ok(Math.abs(count - 10000) < 400, `nextBelow count ${count}`);
  let sumFirst = 0;
  for (let i = 0; i < 4000; i++) sumFirst += rng.permutation(5)[0];
  assert.ok(Math.abs(sumFirst / 4000 - 2) < 0.1, `mean first element ${sumFirst / 4000}`);
});

Deno.test("randomSeed is a non-negative 31-bit integer", () => {
  for (let i = 0; i < 100; i++) {
    const seed = randomSeed();
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 31);
  }
});
