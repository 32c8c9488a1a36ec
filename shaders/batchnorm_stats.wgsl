// BatchNorm training statistics, pass 1: per (image n, channel c) of a window, the mean and the sum of
// squared deviations (M2) of its HW values, two passes over the plane for accuracy.
// partial[(n·C + c)·2 + {0, 1}] = (mean, M2).
#include "common.wgsl"
struct P { images: u32, inOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
override C: u32;
override HW: u32;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let plane = flat_id(g, n, WG);
  if (plane >= p.images * C) { return; }
  let base = p.inOff + plane * HW;
  var sum = 0.0;
  for (var i = 0u; i < HW; i++) { sum += X[base + i]; }
  let mean = sum / f32(HW);
  var m2 = 0.0;
  for (var i = 0u; i < HW; i++) { let d = X[base + i] - mean; m2 += d * d; }
  partial[plane * 2u] = mean;
  partial[plane * 2u + 1u] = m2;
}
