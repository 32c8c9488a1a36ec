// out[oOff + j] = α·x[xOff + j] + β·y[yOff + j] for j < len.
#include "common.wgsl"
struct P { len: u32, xOff: u32, yOff: u32, oOff: u32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let j = flat_id(g, n, WG);
  if (j >= p.len) { return; }
  out[p.oOff + j] = p.alpha * x[p.xOff + j] + p.beta * y[p.yOff + j];
}
