// How many of the `count` rows a rule retains (order[0..count), its selection) are the attack's, i.e. have an
// index in [honest, n): out[off] = that count as f32, or NaN when an entry is ≥ n (brute: no valid subset).
// One invocation: count is at most n.
#include "common.wgsl"
struct P { n: u32, honest: u32, count: u32, off: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(1)
fn main() {
  var attack = 0u;
  var valid = true;
  for (var s = 0u; s < p.count; s++) {
    let r = order[s];
    if (r >= p.n) { valid = false; }
    if (r >= p.honest && r < p.n) { attack++; }
  }
  out[p.off] = select(nan_f32(), f32(attack), valid);
}
