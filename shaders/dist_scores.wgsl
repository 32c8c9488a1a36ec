// Krum/Bulyan scores (spec 6.3, 6.5): scores[i] = sum of the k smallest distances from row i to the others
// (non-finite → +∞), added in increasing order along the row order of dist_row_sort.
#include "dist_common.wgsl"
struct P { n: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> D: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i >= p.n) { return; }
  var acc = 0.0;
  for (var r = 0u; r < p.k; r++) { acc += finite_or_inf(D[i * p.n + order[i * (p.n - 1u) + r]]); }
  scores[i] = acc;
}
