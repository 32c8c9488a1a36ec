/**
 * Generators of the two `brute` kernels that need a subset in a private array of k = n − f indices (spec
 * 12.2); the middle pass is `brute_argmin.wgsl`.
 *
 * Subsets are the k-combinations of 0..n−1 in lexicographic order (Python's `itertools.combinations`);
 * rank r is unranked with the table `binom[a·k + b] = C(a, b)` (a < n, b < k). Per invocation the loops
 * run at most n + k (unranking) + k(k−1)/2 (pairs) times: under llvmpipe's 65 535 cap for n ≤ 256
 * (notes §5.1).
 */

function unrank(k: number): string {
  return [
    `var<private> subset: array<u32, ${k}>;`,
    `fn unrank(rank: u32) {`,
    `  var s = rank;`,
    `  var x = 0u;`,
    `  for (var pos = 0u; pos < p.k; pos++) {`,
    `    loop {`,
    `      let count = binom[(p.n - x - 1u) * p.k + (p.k - pos - 1u)];`,
    `      if (s < count) { break; }`,
    `      s -= count;`,
    `      x++;`,
    `    }`,
    `    subset[pos] = x;`,
    `    x++;`,
    `  }`,
    `}`,
  ].join("\n");
}

/**
 * Pass 1: `diam[r]` = diameter (largest pairwise Euclidean distance, from the n×n matrix D) of subset r,
 * or +∞ when one of its distances is not finite (such subsets are discarded).
 */
export function bruteDiametersWgsl(k: number, prelude: string): string {
  return [
    prelude,
    `struct P { n: u32, k: u32, total: u32 }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> binom: array<u32>;`,
    `@group(0) @binding(2) var<storage, read> D: array<f32>;`,
    `@group(0) @binding(3) var<storage, read_write> diam: array<f32>;`,
    `override WG: u32 = 64u;`,
    unrank(k),
    `@compute @workgroup_size(WG)`,
    `fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {`,
    `  let r = flat_id(g, n, WG);`,
    `  if (r >= p.total) { return; }`,
    `  unrank(r);`,
    `  var worst = 0.0;`,
    `  var finite = true;`,
    `  for (var a = 1u; a < p.k; a++) {`,
    `    let row = subset[a] * p.n;`,
    `    for (var b = 0u; b < a; b++) {`,
    `      let v = D[row + subset[b]];`,
    `      finite = finite && is_finite(v);`,
    `      worst = max(worst, v);`,
    `    }`,
    `  }`,
    `  diam[r] = select(inf_f32(), worst, finite);`,
    `}`,
  ].join("\n");
}

/**
 * Pass 3 (one invocation): the first block minimum that is strictly smallest wins (first subset on ties, as
 * the reference); its subset goes to `order[0..k)`, or n everywhere (→ NaN output) when no subset is finite.
 */
export function bruteChoiceWgsl(k: number, prelude: string): string {
  return [
    prelude,
    `struct P { n: u32, k: u32, blocks: u32 }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> binom: array<u32>;`,
    `@group(0) @binding(2) var<storage, read> best: array<f32>;`,
    `@group(0) @binding(3) var<storage, read> bestAt: array<u32>;`,
    `@group(0) @binding(4) var<storage, read_write> order: array<u32>;`,
    unrank(k),
    // One invocation, but in a workgroup of 64: with @workgroup_size(1) llvmpipe loses the private array.
    `@compute @workgroup_size(64)`,
    `fn main(@builtin(global_invocation_id) g: vec3u) {`,
    `  if (g.x != 0u) { return; }`,
    `  var value = best[0];`,
    `  var at = bestAt[0];`,
    `  for (var b = 1u; b < p.blocks; b++) {`,
    `    if (best[b] < value) {`,
    `      value = best[b];`,
    `      at = bestAt[b];`,
    `    }`,
    `  }`,
    `  if (!is_finite(value)) {`,
    `    for (var t = 0u; t < p.k; t++) { order[t] = p.n; }`,
    `    return;`,
    `  }`,
    `  unrank(at);`,
    `  for (var t = 0u; t < p.k; t++) { order[t] = subset[t]; }`,
    `}`,
  ].join("\n");
}
