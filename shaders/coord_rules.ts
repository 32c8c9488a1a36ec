/**
 * Generator of the coordinate-wise aggregation kernels: `median` (spec 6.4), `trmean`, `phocas` and `meamed`
 * (spec 12.2), the median being the lower or the true one (`EvenMedian`).
 *
 * One invocation per coordinate j loads the n values S[i·d + j] into scalar variables, sorts them with the
 * straight-line network of `sortnet.ts` (NaN as +∞) and computes its rule on the sorted column. The code
 * depends on n (and on f, except for the median), so each (rule, n, f) is its own pipeline.
 *
 * The network stays straight-line for every n: at n = 256 (3 839 comparators) the median kernel's first
 * compilation takes ~3 s on llvmpipe/Vulkan (~10 s on GL; Mesa then caches the machine code on disk),
 * whereas the loop-based alternatives that compile fast run 15–25× slower on every call (median, n = 256,
 * d = 79 510: network 50 ms, bisection selection on the keys 745 ms, network over a private array
 * 1 233 ms). Only the row pass of phocas/meamed switches to loops for large n (`UNROLLED_ROW_PASS_MAX`).
 *
 * The generated code needs `is_nan` and `flat_id` (shaders/common.wgsl) and `ORDER_KEY_WGSL`.
 */
import { sortColumnWgsl } from "./sortnet.ts";

/** The coordinate-wise rules this generator knows. */
export type CoordinateRule = "median" | "trmean" | "phocas" | "meamed";

/**
 * The median of an even number of values: the lower of the two middle ones (the reference's, spec 6.4) or
 * their mean (the true median). Both are the middle value for an odd count.
 */
export type EvenMedian = "lower" | "mean";

/** A kernel to generate: which rule, for n inputs of which f are declared Byzantine. */
export interface CoordinateKernel {
  readonly rule: CoordinateRule;
  readonly n: number;
  readonly f: number;
  /** Median of `median` and centre of `meamed` for even n (default "lower"). */
  readonly evenMedian?: EvenMedian;
}

/** Whether the kernel takes the mean of the two middle values (only differs from "lower" for even n). */
function meanMedian(k: CoordinateKernel): boolean {
  return k.evenMedian === "mean" && k.n % 2 === 0 && (k.rule === "median" || k.rule === "meamed");
}

/** Pipeline cache key of a kernel (the code differs for every n, and for every f except the median's). */
export function coordinateKey(k: CoordinateKernel): string {
  const rule = meanMedian(k) ? `${k.rule}_mid` : k.rule;
  return k.rule === "median" ? `coord_${rule}_n${k.n}` : `coord_${rule}_n${k.n}_f${k.f}`;
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/**
 * Largest n for which the row pass of `phocas`/`meamed` is unrolled over the column kept in registers; above
 * it the pass re-reads the column in loops (2n iterations). Measured on llvmpipe (n = 256, f = 100): the
 * unrolled pass doubles the compile time (3.7 s → 6.6 s CPU) for a 1.5× faster kernel; at n ≤ 128 it
 * costs ≤ 0.5 s more to compile, and at n = 51 it saves 30 % of the run time (19 ms instead of 28 ms for
 * d = 79 510 on one core).
 */
const UNROLLED_ROW_PASS_MAX = 128;

/** WGSL of the kernel (workgroup size from the `WG` override constant; parameter block `{ d: u32 }`). */
export function coordinateWgsl(k: CoordinateKernel): string {
  const { rule, n, f } = k;
  const minRows = rule === "median" ? 1 : rule === "meamed" ? f + 1 : 2 * f + 1;
  if (!Number.isInteger(n) || !Number.isInteger(f) || f < 0 || n < minRows) {
    throw new RangeError(`${rule} kernel: n = ${n} rows cannot tolerate f = ${f}`);
  }
  const closest = rule === "phocas" || rule === "meamed";
  const lines = [
    `struct P { d: u32 }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> S: array<f32>;`,
    `@group(0) @binding(2) var<storage, read_write> out: array<f32>;`,
    `override WG: u32 = 64u;`,
  ];
  if (closest) {
    lines.push(
      `// |x − c| as an order key (non-negative floats order like their bits); NaN distances count as +∞.`,
      `fn dist_key(x: f32, c: f32) -> u32 {`,
      `  let e = abs(x - c);`,
      `  return select(bitcast<u32>(e), 0x7f800000u, is_nan(e));`,
      `}`,
    );
  }
  lines.push(
    `@compute @workgroup_size(WG)`,
    `fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) groups: vec3u) {`,
    `  let j = flat_id(g, groups, WG);`,
    `  if (j >= p.d) { return; }`,
  );
  // The unrolled row pass of phocas/meamed reuses the loaded values (x0 …), kept in their row order.
  const unrolled = closest && n <= UNROLLED_ROW_PASS_MAX;
  for (const i of range(0, n)) {
    lines.push(
      unrolled
        ? `  let x${i} = S[${i}u * p.d + j]; var v${i} = f32_key(x${i});`
        : `  var v${i} = f32_key(S[${i}u * p.d + j]);`,
    );
  }
  lines.push(sortColumnWgsl(n));
  // The mean of the two middle values overflows only when their f32 sum does. (Adding halves instead would
  // not help: llvmpipe's fast-math factors 0.5·a + 0.5·b back into 0.5·(a + b).)
  const median = meanMedian(k)
    ? `((key_f32(v${n / 2 - 1}) + key_f32(v${n / 2})) * 0.5)`
    : `key_f32(v${Math.floor((n - 1) / 2)})`;
  // Trimmed mean (spec 12.2): mean of the sorted values of ranks f … n−f−1, summed in ascending order.
  const trimmed = [
    `  var t = 0.0;`,
    ...range(f, n - f).map((i) => `  t += key_f32(v${i});`),
    `  let tm = t / ${n - 2 * f}.0;`,
  ];
  if (rule === "median") lines.push(`  out[j] = ${median};`);
  else if (rule === "trmean") lines.push(...trimmed, `  out[j] = tm;`);
  else if (rule === "phocas") lines.push(...trimmed, `  let c = tm;`, ...closestMean(n, f, unrolled));
  else lines.push(`  let c = ${median};`, ...closestMean(n, f, unrolled));
  lines.push(`}`);
  return lines.join("\n");
}

/**
 * Mean of the k = n − f values closest to the centre `c`, ties to the lower row index (spec 12.2, 14).
 *
 * The distance is V-shaped along the sorted column, so the k closest values form a window [t, t+k) of it
 * and the k-th smallest distance δ is the smallest, over the f+1 windows, of the larger end distance.
 * Then, in row order, rows closer than δ are all kept and rows at exactly δ are kept until k rows are
 * kept; the kept values are summed in row order (as the TypeScript reference does).
 */
function closestMean(n: number, f: number, unrolled: boolean): string[] {
  const k = n - f;
  const end = (t: number) => `max(dist_key(key_f32(v${t}), c), dist_key(key_f32(v${t + k - 1}), c))`;
  const lines = [`  var dl = ${end(0)};`, ...range(1, f + 1).map((t) => `  dl = min(dl, ${end(t)});`)];
  const count = (x: string) => `q -= select(0u, 1u, dist_key(${x}, c) < dl);`;
  const keep = (x: string) =>
    `let e = dist_key(${x}, c); let tie = e == dl && q > 0u; q -= select(0u, 1u, tie); ` +
    `s += select(0.0, ${x}, e < dl || tie);`;
  lines.push(`  var q = ${k}u;`, `  var s = 0.0;`);
  if (unrolled) {
    lines.push(
      ...range(0, n).map((i) => `  ${count(`x${i}`)}`),
      ...range(0, n).map((i) => `  { ${keep(`x${i}`)} }`),
    );
  } else {
    lines.push(
      `  for (var i = 0u; i < ${n}u; i++) { ${count("S[i * p.d + j]")} }`,
      `  for (var i = 0u; i < ${n}u; i++) { let x = S[i * p.d + j]; ${keep("x")} }`,
    );
  }
  lines.push(`  out[j] = s / ${k}.0;`);
  return lines;
}
