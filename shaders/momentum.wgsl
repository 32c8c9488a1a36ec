// Momentum at the workers or at the server (spec 3.5), writing the honest rows S[0..h) sent to the rule.
// MODE 0 (worker): M_i ← μ·M_i + (1−δ)·G_i, S_i = M_i.   MODE 1 (server): S_i = (1−δ)·G_i + μ·a_{t−1}.
#include "common.wgsl"
struct P { rows: u32, d: u32, mu: f32, damp: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;
@group(0) @binding(3) var<storage, read_write> S: array<f32>;
override MODE: u32 = 0u;
// The row length is a pipeline constant: dividing by it compiles to a multiplication.
override D: u32;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.rows * D) { return; }
  if (MODE == 0u) {
    let m = p.mu * M[e] + (1.0 - p.damp) * G[e];
    M[e] = m;
    S[e] = m;
  } else {
    S[e] = (1.0 - p.damp) * G[e] + p.mu * M[e % D];
  }
}
