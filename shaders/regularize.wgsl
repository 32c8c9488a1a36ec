// Regularisation gradient (spec 3.2), with the reference's squared factors already applied by the caller:
// row r of G gets c1·sign(θ_r) + c2·θ_r/‖θ_r‖₂, where θ_r starts at r·thetaStride and its norm is
// norms[n2 + r·normStride] (strides 0: one shared θ; a zero norm drops the c2 term).
// The lane (c, r) walks chunk c of row r (CH elements: gpu/tuning.ts elementChunk, or reductionChunk with
// NORMS = 1; on llvmpipe a contiguous chunk per lane runs about twice as fast as one lane per coordinate
// looping over the rows). With NORMS = 1 it also sums the squares of the regularised
// values into partial[r·chunks + c], pass 1 of the row norms that clipping needs (reduce_final.wgsl sums the
// chunks in order): the same bits as a separate sum-of-squares pass, without reading G again.
struct P {
  rows: u32, len: u32, stride: u32, chunks: u32, n2: u32, c1: f32, c2: f32, thetaStride: u32, normStride: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> theta: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@group(0) @binding(3) var<storage, read_write> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
override NORMS: u32 = 0u;
override CH: u32 = 1024u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let r = g.y;
  if (c >= p.chunks) { return; }
  let start = c * CH;
  let end = min(start + CH, p.len);
  let norm = norms[p.n2 + r * p.normStride];
  let scaled = p.c2 != 0.0 && norm > 0.0;
  let t0 = r * p.thetaStride;
  let g0 = r * p.stride;
  var acc = 0.0;
  for (var j = start; j < end; j++) {
    let t = theta[t0 + j];
    var add = p.c1 * sign(t);
    if (scaled) { add += p.c2 * t / norm; }
    let x = G[g0 + j] + add;
    G[g0 + j] = x;
    acc = fma(x, x, acc);
  }
  if (NORMS == 1u) { partial[r * p.chunks + c] = acc; }
}
