// Adds the gradient of c1·‖θ‖₁ + c2·‖θ‖₂ (spec 3.2) to every row r of G: c1·sign(θ) + c2·θ/‖θ‖₂, where
// row r's parameters start at r·thetaStride and their norm is norms[n2 + r·normStride] (strides 0: shared θ).
#include "common.wgsl"
struct P { rows: u32, d: u32, stride: u32, n2: u32, c1: f32, c2: f32, thetaStride: u32, normStride: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> theta: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@group(0) @binding(3) var<storage, read_write> G: array<f32>;
// The row length is a pipeline constant: dividing by it compiles to a multiplication.
override D: u32;
override WG: u32 = 64u;

// One invocation per coordinate j, looping over the rows: no per-element index arithmetic.
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= D) { return; }
  for (var r = 0u; r < p.rows; r++) {
    let t = theta[r * p.thetaStride + j];
    var add = p.c1 * sign(t);
    let norm = norms[p.n2 + r * p.normStride];
    if (p.c2 != 0.0 && norm > 0.0) { add += p.c2 * t / norm; }
    let at = r * p.stride + j;
    G[at] = G[at] + add;
  }
}
