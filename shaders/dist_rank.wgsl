// Stable ordering by key (spec 14: ties → lower index first): order[rank_i] = i, where rank_i counts the
// entries before i by (key, index) and a non-finite key counts as +∞. One invocation per entry.
#include "dist_common.wgsl"
struct P { n: u32, keyOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> keys: array<f32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let i = flat_id(g, n, WG);
  if (i >= p.n) { return; }
  let key = finite_or_inf(keys[p.keyOff + i]);
  var rank = 0u;
  for (var k = 0u; k < p.n; k++) {
    let other = finite_or_inf(keys[p.keyOff + k]);
    rank += select(0u, 1u, other < key || (other == key && k < i));
  }
  order[rank] = i;
}
