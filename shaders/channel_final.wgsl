// Per (worker w of the window, channel c): sums the per-image partials of channel_sums.wgsl over the
// worker's images. dst[dstOff + w·dstStride + off1 + c] = Σ dY (bias or β gradient); with `bn` = 1 also
// dst[… + off2 + c] = Σ dY·x̂ (γ gradient), and in training mode the means over the worker's N values
// (stats slots 3 and 4, for batchnorm_backward.wgsl). Padding rows add nothing: their gradients are zero
// (the loss kernel zeroes them and every backward kernel keeps zeros).
struct P {
  C: u32, perWorker: u32, dstOff: u32, dstStride: u32, off1: u32, off2: u32, bn: u32, train: u32,
  firstWorker: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let w = g.y;
  if (c >= p.C) { return; }
  var s1 = 0.0;
  var s2 = 0.0;
  for (var r = 0u; r < p.perWorker; r++) {
    let k = ((w * p.perWorker + r) * p.C + c) * 2u;
    s1 += partial[k];
    s2 += partial[k + 1u];
  }
  let base = p.dstOff + w * p.dstStride;
  dst[base + p.off1 + c] = s1;
  if (p.bn == 1u) {
    dst[base + p.off2 + c] = s2;
    if (p.train == 1u) {
      let s = ((p.firstWorker + w) * p.C + c) * 6u;
      let count = max(stats[s + 5u], 1.0);
      stats[s + 3u] = s1 / count;
      stats[s + 4u] = s2 / count;
    }
  }
}
