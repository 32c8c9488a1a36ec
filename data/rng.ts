/**
 * Deterministic pseudo-random numbers: xoshiro128** seeded through splitmix64, with independent streams
 * derived from one seed (e.g. parameter init, training sampler, test sampler).
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const STREAM_GAMMA = 0xd1b54a32d192ed03n;
const TWO_32 = 2 ** 32;

/** One splitmix64 step: the advanced state and its mixed output. */
function splitmix64(state: bigint): [bigint, bigint] {
  const next = (state + GOLDEN_GAMMA) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

/** Checks that a seed or stream number is an integer JavaScript can hold exactly. */
function checkInteger(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value)) throw new RangeError(`Rng ${what} must be a safe integer, got ${value}`);
  return BigInt.asUintN(64, BigInt(value));
}

/** xoshiro128** generator; `new Rng(seed, stream)` gives one of many independent streams of a seed. */
export class Rng {
  #s = new Uint32Array(4);

  /** Seeds the generator from `(seed, stream)`; any safe integers, equal pairs give equal sequences. */
  constructor(seed: number, stream = 0) {
    const [, mixedSeed] = splitmix64(checkInteger(seed, "seed"));
    let state = (mixedSeed + checkInteger(stream, "stream") * STREAM_GAMMA) & MASK64;
    for (let i = 0; i < 4; i += 2) {
      const [next, output] = splitmix64(state);
      state = next;
      this.#s[i] = Number(output & 0xffffffffn);
      this.#s[i + 1] = Number(output >> 32n);
    }
    if (this.#s.every((word) => word === 0)) this.#s[0] = 1;
  }

  /** Rebuilds a generator from `getState()` output. */
  static fromState(state: readonly number[]): Rng {
    const valid = state.length === 4 &&
      state.every((word) => Number.isInteger(word) && word >= 0 && word < TWO_32) &&
      state.some((word) => word !== 0);
    if (!valid) throw new RangeError(`Invalid Rng state ${JSON.stringify(state)}`);
    const rng = new Rng(0);
    rng.#s.set(state);
    return rng;
  }

  /** The four 32-bit state words (a copy), for checkpoints. */
  getState(): number[] {
    return Array.from(this.#s);
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 24 random bits (exactly representable in float32). */
  nextFloat(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextFloat();
  }

  /** Unbiased uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (rejection sampling). */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) throw new RangeError(`Invalid bound ${n}`);
    const limit = TWO_32 - (TWO_32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Uniformly random permutation of 0 … n−1 (Fisher–Yates). */
  permutation(n: number): Uint32Array<ArrayBuffer> {
    const result = new Uint32Array(n);
    for (let i = 0; i < n; i++) result[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextBelow(i + 1);
      const swap = result[i];
      result[i] = result[j];
      result[j] = swap;
    }
    return result;
  }
}

/** 32-bit left rotation. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A crypto-random non-negative 31-bit integer, used as the seed of runs without `--seed`. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] >>> 1;
}
