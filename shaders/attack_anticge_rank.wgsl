// `anticge` (spec 12.3), step 1: sort the h honest rows by norm, stable, a non-finite norm counting as +inf.
// One invocation per row i writes order[rank of i] = i. Norms are >= 0 (or NaN/inf), so their bits order
// like the values: the comparison is on u32 keys and needs no float comparison.
#include "common.wgsl"
struct P { h: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> norms: array<f32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;

fn key(x: f32) -> u32 { return select(0x7f800000u, bitcast<u32>(x), is_finite(x)); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i >= p.h) { return; }
  let ki = key(norms[i]);
  var rank = 0u;
  for (var k = 0u; k < p.h; k++) {
    let kk = key(norms[k]);
    if (kk < ki || (kk == ki && k < i)) { rank++; }
  }
  order[rank] = i;
}
