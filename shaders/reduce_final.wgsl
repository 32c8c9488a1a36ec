// Split-d reduction, pass 2: out[outOff + r] = post(Σ or max over c of partial[r·chunks + c]).
// MODE 0 sum, 1 max (NaN wins); POST 0 none, 1 square root.
#include "common.wgsl"
struct P { rows: u32, chunks: u32, outOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
override MODE: u32 = 0u;
override POST: u32 = 0u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let r = g.x;
  if (r >= p.rows) { return; }
  var acc = 0.0;
  for (var c = 0u; c < p.chunks; c++) {
    let x = partial[r * p.chunks + c];
    if (MODE == 0u) { acc += x; }
    else if (is_nan(x) || is_nan(acc)) { acc = nan_f32(); }
    else { acc = max(acc, x); }
  }
  if (POST == 1u) { acc = sqrt(acc); }
  out[p.outOff + r] = acc;
}
