/**
 * Generator of the batched, strided matrix product kernel (register-blocked, no shared memory).
 *
 * `C[b](i, j) = Σ_p A[b](i, p) · B[b](p, j)` (+ bias[b]_j, then ReLU, when asked), where every operand is
 * addressed through (offset, batch stride, row stride, column stride): one kernel serves the forward pass
 * (`X·Wᵀ`), the input gradient (`dY·W`) and the per-worker weight gradients (`dY[b]ᵀ·X[b]`, written
 * straight into row b of the gradient matrix). Each invocation accumulates an R×C block in scalar
 * registers over the whole reduction (fixed order, hence deterministic); the block is unrolled here
 * because WGSL has no compile-time loops. The best R, C and workgroup shape depend on the adapter:
 * `gpu/tuning.ts` chooses them.
 */

/** Shape of the generated kernel. */
export interface MatmulVariant {
  readonly rows: number;
  readonly cols: number;
  readonly bias: boolean;
  readonly relu: boolean;
}

/** Field order of the kernel's parameter block (all u32). */
export const MATMUL_PARAMS = [
  "M",
  "N",
  "K",
  "aOff",
  "aBatch",
  "aRow",
  "aCol",
  "bOff",
  "bBatch",
  "bRow",
  "bCol",
  "cOff",
  "cBatch",
  "cRow",
  "biasOff",
  "biasBatch",
] as const;

/** Returns the WGSL source of one variant; workgroup size comes from the WX, WY override constants. */
export function matmulWgsl(v: MatmulVariant): string {
  const R = v.rows, C = v.cols;
  const lines: string[] = [];
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  lines.push(
    `struct P { ${MATMUL_PARAMS.map((f) => `${f}: u32`).join(", ")} }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(1) var<storage, read> A: array<f32>;`,
    `@group(0) @binding(2) var<storage, read> B: array<f32>;`,
    `@group(0) @binding(3) var<storage, read_write> Cm: array<f32>;`,
  );
  if (v.bias) lines.push(`@group(0) @binding(4) var<storage, read> bias: array<f32>;`);
  lines.push(
    `override WX: u32 = 8u;`,
    `override WY: u32 = 8u;`,
    `@compute @workgroup_size(WX, WY, 1)`,
    `fn main(@builtin(global_invocation_id) g: vec3u) {`,
    `  let r0 = g.y * ${R}u; let c0 = g.x * ${C}u;`,
    `  if (r0 >= p.M || c0 >= p.N) { return; }`,
    `  let aBase = p.aOff + g.z * p.aBatch; let bBase = p.bOff + g.z * p.bBatch;`,
  );
  for (const i of range(R)) lines.push(`  let ra${i} = aBase + min(r0 + ${i}u, p.M - 1u) * p.aRow;`);
  for (const j of range(C)) lines.push(`  let cb${j} = bBase + min(c0 + ${j}u, p.N - 1u) * p.bCol;`);
  for (const i of range(R)) lines.push(`  ${range(C).map((j) => `var s${i}_${j} = 0.0;`).join(" ")}`);
  lines.push(`  for (var k = 0u; k < p.K; k++) {`, `    let ak = k * p.aCol; let bk = k * p.bRow;`);
  for (const j of range(C)) lines.push(`    let b${j} = B[cb${j} + bk];`);
  for (const i of range(R)) {
    lines.push(
      `    { let a = A[ra${i} + ak]; ${
        range(C).map((j) => `s${i}_${j} = fma(a, b${j}, s${i}_${j});`).join(" ")
      } }`,
    );
  }
  lines.push(`  }`, `  let cBase = p.cOff + g.z * p.cBatch;`);
  for (const i of range(R)) {
    for (const j of range(C)) {
      let value = `s${i}_${j}`;
      if (v.bias) value = `(${value} + bias[p.biasOff + g.z * p.biasBatch + c0 + ${j}u])`;
      if (v.relu) value = `max(${value}, 0.0)`;
      const guard = [i > 0 ? `r0 + ${i}u < p.M` : "", j > 0 ? `c0 + ${j}u < p.N` : ""].filter(Boolean);
      const store = `Cm[cBase + (r0 + ${i}u) * p.cRow + c0 + ${j}u] = ${value};`;
      lines.push(guard.length ? `  if (${guard.join(" && ")}) { ${store} }` : `  ${store}`);
    }
  }
  lines.push(`}`);
  return lines.join("\n");
}
