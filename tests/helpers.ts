/** Shared test helpers: deterministic random inputs and tolerance checks. */
import assert from "node:assert/strict";

/** Small deterministic generator for test inputs (mulberry32), independent of the project's RNG. */
export function testRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` floats uniform in [-scale, scale). */
export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** Largest |a - e| / max(|e|_max, floor) over the arrays; fails when over `rtol`. Returns the error seen. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  what = "values",
): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1e-30;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isFinite(expected[i])) scale = Math.max(scale, Math.abs(expected[i]));
  }
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], a = actual[i];
    if (!Number.isFinite(e)) {
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: ${a} vs ${e}`);
      continue;
    }
    const err = Math.abs(a - e) / scale;
    if (!(err <= rtol)) assert.fail(`${what}[${i}]: ${a} vs ${e} (relative error ${err} > ${rtol})`);
    worst = Math.max(worst, err);
  }
  return worst;
}

/** Runs `body` with a fresh temporary directory, removed afterwards. */
export async function withTempDir(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir();
  try {
    await body(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}
