// Split-d reduction, pass 1: partial[r·chunks + c] = reduce of X[off + r·stride + c·CH ... +CH) ∩ [0, len).
// MODE 0 sum, 1 sum of squares, 2 sum of |x|, 3 max |x| (NaN wins, so a NaN anywhere shows).
// Each invocation walks one chunk serially: a fixed order, hence deterministic results.
#include "common.wgsl"
struct P { rows: u32, len: u32, stride: u32, off: u32, chunks: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
override MODE: u32 = 0u;
override CH: u32 = 1024u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let r = g.y;
  if (c >= p.chunks) { return; }
  let start = c * CH;
  let end = min(start + CH, p.len);
  let base = p.off + r * p.stride;
  var acc = 0.0;
  for (var j = start; j < end; j++) {
    let x = X[base + j];
    if (MODE == 0u) { acc += x; }
    else if (MODE == 1u) { acc = fma(x, x, acc); }
    else if (MODE == 2u) { acc += abs(x); }
    else if (is_nan(x) || is_nan(acc)) { acc = nan_f32(); }
    else { acc = max(acc, abs(x)); }
  }
  partial[r * p.chunks + c] = acc;
}
