/**
 * Generator of the split-d squared-distance kernel, pass 1 (pass 2 is `dist_final.wgsl`).
 *
 * Lane `c` of workgroup (·, bi, bj) owns coordinates [c·ch, c·ch + ch) ∩ [0, d) and accumulates the R×C block
 * of `Σ (A[i][k] − B[j][k])²` for rows i of block bi and j of block bj in scalar registers (no shared memory:
 * the fastest shape on llvmpipe, notes §4), then writes `partial[(c·na + i)·nb + j]`. Differences are
 * squared directly (no ‖a‖² + ‖b‖² − 2a·b Gram shortcut), so there is no cancellation and NaN/∞ propagate.
 * In the symmetric variant (A = B) blocks with bj < bi return at once; pass 2 reads them transposed.
 */

/** Shape of a generated variant. */
export interface DistanceVariant {
  readonly rows: number;
  readonly cols: number;
  readonly symmetric: boolean;
}

/** Field order of the kernel's parameter block (all u32). */
export const DISTANCE_PARAMS = ["na", "nb", "d", "ch", "chunks"] as const;

/** Returns the WGSL source of one variant; the workgroup size is the WG override constant. */
export function distancePartialWgsl(v: DistanceVariant): string {
  const R = v.rows, C = v.cols;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const lines = [
    `struct P { ${DISTANCE_PARAMS.map((f) => `${f}: u32`).join(", ")} }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> A: array<f32>;`,
    `@group(0) @binding(2) var<storage, read> B: array<f32>;`,
    `@group(0) @binding(3) var<storage, read_write> partial: array<f32>;`,
    `override WG: u32 = 64u;`,
    `@compute @workgroup_size(WG)`,
    `fn main(@builtin(global_invocation_id) g: vec3u) {`,
    `  let c = g.x;`,
    `  if (c >= p.chunks${v.symmetric ? " || g.z < g.y" : ""}) { return; }`,
    `  let i0 = g.y * ${R}u; let j0 = g.z * ${C}u;`,
    ...range(R).map((i) => `  let a${i} = min(i0 + ${i}u, p.na - 1u) * p.d;`),
    ...range(C).map((j) => `  let b${j} = min(j0 + ${j}u, p.nb - 1u) * p.d;`),
    ...range(R).map((i) => `  ${range(C).map((j) => `var s${i}_${j} = 0.0;`).join(" ")}`),
    `  let end = min(c * p.ch + p.ch, p.d);`,
    `  for (var k = c * p.ch; k < end; k++) {`,
    ...range(C).map((j) => `    let y${j} = B[b${j} + k];`),
    ...range(R).map((i) =>
      `    { let x = A[a${i} + k]; ${
        range(C).map((j) => `let t${j} = x - y${j}; s${i}_${j} = fma(t${j}, t${j}, s${i}_${j});`).join(" ")
      } }`
    ),
    `  }`,
    `  let base = c * p.na;`,
  ];
  for (const i of range(R)) {
    for (const j of range(C)) {
      const guard = [i > 0 ? `i0 + ${i}u < p.na` : "", j > 0 ? `j0 + ${j}u < p.nb` : ""].filter(Boolean);
      const store = `partial[(base + i0 + ${i}u) * p.nb + j0 + ${j}u] = s${i}_${j};`;
      lines.push(guard.length ? `  if (${guard.join(" && ")}) { ${store} }` : `  ${store}`);
    }
  }
  lines.push(`}`);
  return lines.join("\n");
}
