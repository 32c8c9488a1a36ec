/**
 * `anticge` (spec 12.3, added after the reproduced version): against CGE, which keeps the n − f smallest
 * norms. With f_real > f_decl it sends NaN vectors; otherwise, with p = h − f_decl and the honest vectors
 * g_(0), g_(1), … sorted by norm (stable, non-finite norm = +inf), it sends f_real copies of −ν·s/‖s‖ with
 * ν = nextafter(‖g_(p)‖, 0) and **QUIRK** (reproduced) s = g_(0) + Σ_{k<p} g_(k), the smallest vector
 * counted twice. s is sent unscaled when ‖s‖ is 0 or NaN.
 *
 * Deviations: f_real = 0 always gives no vector (the reference crashes when f_decl is 0 too), and
 * f_decl > h with 1 ≤ f_real ≤ f_decl is rejected by `check` (the reference would index with Python's
 * negative indices).
 */
import { Params, storageBuffer } from "../gpu/buffers.ts";
import { dispatchStage } from "../gar/rule.ts";
import { perElement, perGroup } from "../ops/launch.ts";
import { Reduce, reduceRows } from "../ops/reduce.ts";
import type { Attack } from "./attack.ts";
import { checkCommon } from "./checks.ts";

const NAN_BITS = 0x7fc00000;

/** The `anticge` attack. */
export const anticge: Attack = {
  name: "anticge",
  check: (h, fReal, fDecl) =>
    checkCommon(h, fReal) ??
      (fReal >= 1 && fReal <= fDecl && fDecl > h
        ? `Expected at most h = ${h} declared Byzantine gradients, got f_decl = ${fDecl}`
        : undefined),
  generate(honest, fReal, fDecl) {
    const d = honest[0].length;
    if (fReal === 0) return [];
    if (fReal > fDecl) return Array.from({ length: fReal }, () => new Float32Array(d).fill(NaN));
    const norms = honest.map((g) => {
      const norm = Math.fround(Math.sqrt(g.reduce((acc, x) => acc + x * x, 0)));
      return Number.isFinite(norm) ? norm : Infinity;
    });
    const order = honest.map((_, i) => i).sort((a, b) => norms[a] - norms[b] || a - b);
    const p = honest.length - fDecl;
    const nu = nextDown(norms[order[p]]);
    const s = Float32Array.from(honest[order[0]]);
    for (let k = 0; k < p; k++) s.forEach((x, j) => s[j] = x + honest[order[k]][j]);
    const norm = Math.fround(Math.sqrt(s.reduce((acc, x) => acc + x * x, 0)));
    if (norm > 0) {
      const scale = Math.fround(-nu / norm);
      s.forEach((x, j) => s[j] = x * scale);
    }
    return Array.from({ length: fReal }, () => s.slice());
  },
  bind(gpu, b) {
    const len = b.fReal * b.d;
    if (b.fReal === 0) return dispatchStage([]);
    if (b.fReal > b.fDecl) {
      return dispatchStage([
        perElement(gpu, "fill.wgsl", new Params().u32(len).u32(b.h * b.d).u32(NAN_BITS), [b.submitted], len),
      ]);
    }
    const p = b.h - b.fDecl;
    const norms = storageBuffer(gpu, b.h * 4, "anticge-norms");
    const order = storageBuffer(gpu, b.h * 4, "anticge-order");
    const s = storageBuffer(gpu, b.d * 4, "anticge-sum");
    const snorm = storageBuffer(gpu, 4, "anticge-sum-norm");
    const rows = { rows: b.h, len: b.d, stride: b.d };
    return dispatchStage([
      ...reduceRows(gpu, b.submitted, rows, Reduce.SumSquares, norms, 0, true),
      perGroup(gpu, "attack_anticge_rank.wgsl", new Params().u32(b.h), [norms, order], [Math.ceil(b.h / 64)]),
      perElement(gpu, "attack_anticge_sum.wgsl", new Params().u32(b.d).u32(p), [b.submitted, order, s], b.d),
      ...reduceRows(gpu, s, { rows: 1, len: b.d, stride: b.d }, Reduce.SumSquares, snorm, 0, true),
      perElement(
        gpu,
        "attack_anticge_rows.wgsl",
        new Params().u32(b.fReal).u32(b.d).u32(b.h * b.d).u32(p),
        [norms, order, s, snorm, b.submitted],
        b.d,
      ),
    ]);
  },
};

/** Python's `math.nextafter(x, 0)` for x ≥ 0 (float64). */
function nextDown(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (x === Infinity) return Number.MAX_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}
