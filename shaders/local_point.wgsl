// Parameters at which the workers compute their gradients, when they are not θ itself:
// out[w·d + j] = θ[j] − μ·η·M[w·mStride + j] for rows w < mRows (Nesterov look-ahead, spec 12.1), θ[j]
// for the other rows; μ = 0 gives plain copies of θ (start of local SGD steps, spec 3.4).
#include "common.wgsl"
struct P { rows: u32, d: u32, mRows: u32, mStride: u32, mu: f32 }
struct Step { lr: f32, first: u32, ringPos: u32, ringCount: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> theta: array<f32>;
@group(0) @binding(3) var<storage, read> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
// The row length is a pipeline constant: dividing by it compiles to a multiplication.
override D: u32;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.rows * D) { return; }
  let w = e / D;
  let j = e % D;
  var x = theta[j];
  if (w < p.mRows && p.mu != 0.0) { x = x - p.mu * step.lr * M[w * p.mStride + j]; }
  out[e] = x;
}
