// out[off + j] = bitcast<f32>(bits) for j < len (e.g. NaN rows of the `nan` attack).
#include "common.wgsl"
struct P { len: u32, off: u32, bits: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= p.len) { return; }
  out[p.off + j] = bitcast<f32>(p.bits);
}
