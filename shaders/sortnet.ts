/**
 * Sorting networks for the coordinate-wise rules, and WGSL generators that run them in scalar registers.
 *
 * On llvmpipe a fixed network of compare-exchanges on scalar variables is ~10x faster than any loop over a
 * dynamically indexed array (shared/notes/webgpu-on-cpu.md §4), so the kernels sort each column with
 * straight-line code produced here. Values are sorted through an order-preserving u32 key (`f32_key`):
 * u32 `min`/`max` are exact, whereas the f32 ones drop NaN. The key maps every NaN to the largest key, so
 * NaN sorts as +∞ (after +∞ itself), the NaN-resilient choice recommended by spec 6.4; −0 sorts just
 * before +0. This is exactly the order of `Float32Array.prototype.sort`, which the TypeScript references
 * use.
 */

/** A comparator: after it, position `a` holds the smaller and position `b` (> a) the larger value. */
export type Comparator = [number, number];

/**
 * Batcher's odd–even merge sort for the next power of two ≥ `n`, pruned of the comparators that touch an
 * index ≥ n. Pruning is sound because those indices act as +∞ padding that no comparator ever moves.
 */
export function sortingNetwork(n: number): Comparator[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad network size ${n}`);
  let size = 1;
  while (size < n) size *= 2;
  const out: Comparator[] = [];
  for (let p = 1; p < size; p *= 2) {
    for (let k = p; k >= 1; k = Math.floor(k / 2)) {
      for (let j = k % p; j + k < size; j += 2 * k) {
        for (let i = 0; i < Math.min(k, size - j - k); i++) {
          const a = i + j, b = i + j + k;
          if (Math.floor(a / (2 * p)) === Math.floor(b / (2 * p)) && b < n) out.push([a, b]);
        }
      }
    }
  }
  return out;
}

/**
 * WGSL helpers converting between f32 and the order-preserving u32 key: negative floats have all bits
 * flipped, others only the sign bit; every NaN becomes 0xffffffff. Requires `is_nan` (shaders/common.wgsl).
 */
export const ORDER_KEY_WGSL = `
fn f32_key(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if (is_nan(x)) { return 0xffffffffu; }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}
fn key_f32(k: u32) -> f32 { return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u)); }
`;

/**
 * Straight-line WGSL that sorts the u32 variables `${name}0 … ${name}{n−1}` (declared with `var`, holding
 * `f32_key` keys, so that NaN sorts as +∞) in ascending order, one compare-exchange per line.
 */
export function sortColumnWgsl(n: number, name = "v"): string {
  return sortingNetwork(n)
    .map(([a, b]) =>
      `  { let t = min(${name}${a}, ${name}${b}); ${name}${b} = max(${name}${a}, ${name}${b}); ${name}${a} = t; }`
    )
    .join("\n");
}
