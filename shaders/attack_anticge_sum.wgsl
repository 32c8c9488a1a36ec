// `anticge` (spec 12.3), step 2: s_j = g_(0)j + Σ_{k<p} g_(k)j over the honest rows in norm order, summed in
// the reference's order. QUIRK (reproduced): the smallest-norm row g_(0) is counted twice when p >= 1.
#include "common.wgsl"
struct P { d: u32, p: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= p.d) { return; }
  var acc = X[order[0] * p.d + j];
  for (var k = 0u; k < p.p; k++) { acc += X[order[k] * p.d + j]; }
  s[j] = acc;
}
