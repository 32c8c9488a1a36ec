import assert from "node:assert/strict";
import { Rng } from "../data/rng.ts";
import { BatchStream } from "../data/sampler.ts";

Deno.test("60000 / 83: 722 batches of 83 then one of 74 per epoch, each epoch a permutation", () => {
  const stream = new BatchStream(60000, 83, new Rng(1, 1));
  const epochs: number[][] = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    const seen: number[] = [];
    for (let batch = 0; batch < 723; batch++) {
      const indices = stream.next();
      assert.equal(indices.length, batch < 722 ? 83 : 74);
      seen.push(...indices);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 60000 }, (_, i) => i));
    epochs.push(seen);
  }
  assert.notDeepEqual(epochs[0], epochs[1]);
});

Deno.test("a batch larger than the dataset yields whole epochs", () => {
  const stream = new BatchStream(5, 8, new Rng(2));
  for (let i = 0; i < 3; i++) assert.equal(stream.next().length, 5);
});

Deno.test("same seed gives the same batches", () => {
  const a = new BatchStream(100, 7, new Rng(3, 2));
  const b = new BatchStream(100, 7, new Rng(3, 2));
  for (let i = 0; i < 40; i++) assert.deepEqual(a.next(), b.next());
});

Deno.test("state round trip (also through JSON) continues identically, mid-epoch and at epoch end", () => {
  for (const consumed of [0, 5, 14, 15, 31]) {
    const stream = new BatchStream(100, 7, new Rng(4));
    for (let i = 0; i < consumed; i++) stream.next();
    const state = JSON.parse(JSON.stringify(stream.getState()));
    const restored = BatchStream.fromState(100, 7, state);
    for (let i = 0; i < 40; i++) {
      assert.deepEqual(restored.next(), stream.next(), `after ${consumed} batches`);
    }
  }
});

Deno.test("a batch kept by the caller is not changed by later calls", () => {
  const stream = new BatchStream(10, 4, new Rng(5));
  const kept = stream.next();
  const copy = kept.slice();
  for (let i = 0; i < 30; i++) stream.next();
  assert.deepEqual(kept, copy);
});

Deno.test("invalid arguments and states are rejected", () => {
  assert.throws(() => new BatchStream(0, 1, new Rng(0)), RangeError);
  assert.throws(() => new BatchStream(10, 0, new Rng(0)), RangeError);
  const state = new BatchStream(10, 3, new Rng(0)).getState();
  assert.throws(() => BatchStream.fromState(10, 3, { ...state, position: 11 }), RangeError);
  assert.throws(() => BatchStream.fromState(10, 3, { ...state, position: 1.5 }), RangeError);
});
