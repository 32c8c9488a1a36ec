/**
 * Generator of the "means of ranked rows" kernel (spec 6.3, 6.5, 12.2). Round t < rounds writes
 * `out[t·d + j]` = mean of `X[order[s]][j]` for s in the window [t, e_t), e_t = min(t + m, mMax):
 * Krum, Aksel, Brute and CGE use one round (the m best rows), Bulyan's θ rounds give its selected rows.
 *
 * One invocation per coordinate j loads each of the mMax ranked values once into a scalar register (a
 * gather per row is what costs on llvmpipe) and forms every window from block sums without subtraction
 * (van Herk / Gil-Werman): with blocks [b·m, (b+1)·m) ∩ [0, mMax), a window is a suffix of its first block
 * plus, if it spills over, a prefix of the next one. The code is straight-line, O(mMax + rounds) long.
 * Sums run from the block ends (not in rank order as the reference does): last-bit differences only.
 * An order entry ≥ n (brute: no valid subset) loads NaN.
 */

/** Window parameters, fixed at pipeline creation. */
export interface Rounds {
  readonly rounds: number;
  readonly m: number;
  readonly mMax: number;
}

/** WGSL of the kernel for `r` (needs `nan_f32` and `flat_id` from shaders/common.wgsl in `prelude`). */
export function selectMeansWgsl(r: Rounds, prelude: string): string {
  const { rounds, m, mMax } = r;
  const blockEnd = (t: number) => Math.min((Math.floor(t / m) + 1) * m, mMax);
  const lines = [
    prelude,
    `struct P { n: u32, d: u32 }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> X: array<f32>;`,
    `@group(0) @binding(2) var<storage, read> order: array<u32>;`,
    `@group(0) @binding(3) var<storage, read_write> out: array<f32>;`,
    `override WG: u32 = 64u;`,
    `fn row(s: u32, j: u32) -> f32 {`,
    `  let r = order[s];`,
    `  return select(nan_f32(), X[min(r, p.n - 1u) * p.d + j], r < p.n);`,
    `}`,
    `@compute @workgroup_size(WG)`,
    `fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {`,
    `  let j = flat_id(g, n, WG);`,
    `  if (j >= p.d) { return; }`,
  ];
  const loaded = Math.min(rounds - 1 + m, mMax); // the last window's end
  for (let t = 0; t < loaded; t++) lines.push(`  let v${t} = row(${t}u, j);`);
  // Suffix sums of each block (only from the starts of windows on), prefix sums for the spills.
  const needSuffix = new Set<number>(), needPrefix = new Set<number>();
  for (let t = 0; t < rounds; t++) {
    for (let s = t; s < blockEnd(t); s++) needSuffix.add(s);
    const e = Math.min(t + m, mMax);
    if (e > blockEnd(t)) { for (let s = blockEnd(t); s < e; s++) needPrefix.add(s); }
  }
  for (let s = mMax - 1; s >= 0; s--) {
    if (!needSuffix.has(s)) continue;
    lines.push(`  let u${s} = ${s + 1 < blockEnd(s) ? `v${s} + u${s + 1}` : `v${s}`};`);
  }
  for (let s = 0; s < mMax; s++) {
    if (!needPrefix.has(s)) continue;
    lines.push(`  let w${s} = ${s % m === 0 ? `v${s}` : `w${s - 1} + v${s}`};`);
  }
  for (let t = 0; t < rounds; t++) {
    const e = Math.min(t + m, mMax);
    const sum = e > blockEnd(t) ? `(u${t} + w${e - 1})` : `u${t}`;
    lines.push(`  out[${t}u * p.d + j] = ${sum} / ${e - t}.0;`);
  }
  lines.push(`}`);
  return lines.join("\n");
}
