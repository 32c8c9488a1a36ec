// Per (image n, channel c) sums over the HW values of a plane, for bias and BatchNorm gradients:
// partial[(n·C + c)·2] = Σ dY, and with `bn` = 1 also partial[… + 1] = Σ dY·x̂, x̂ = (X − mean)·invstd with
// the statistics the forward pass used (see batchnorm_forward.wgsl).
#include "common.wgsl"
struct P {
  images: u32, gradOff: u32, inOff: u32, bn: u32, train: u32, runOff: u32, firstSample: u32, eps: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> running: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;
override C: u32;
override HW: u32;
override perWorker: u32;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let plane = flat_id(g, n, WG);
  if (plane >= p.images * C) { return; }
  let c = plane % C;
  let gb = p.gradOff + plane * HW;
  var s1 = 0.0;
  var s2 = 0.0;
  if (p.bn == 1u) {
    var mean = running[p.runOff + c];
    var invstd = 1.0 / sqrt(running[p.runOff + C + c] + p.eps);
    if (p.train == 1u) {
      let s = (((p.firstSample + plane / C) / perWorker) * C + c) * 6u;
      mean = stats[s];
      invstd = stats[s + 1u];
    }
    let xb = p.inOff + plane * HW;
    for (var i = 0u; i < HW; i++) {
      let d = dY[gb + i];
      s1 += d;
      s2 += d * ((X[xb + i] - mean) * invstd);
    }
  } else {
    for (var i = 0u; i < HW; i++) { s1 += dY[gb + i]; }
  }
  partial[plane * 2u] = s1;
  partial[plane * 2u + 1u] = s2;
}
