// Max-pooling (no padding, floor mode), one invocation per output element of `count` (images × C × OH × OW):
// out[n,c,y,x] = max over the K×K window at (y·S, x·S). NaN propagates as in PyTorch (a NaN is taken).
#include "common.wgsl"
struct P { count: u32, inOff: u32, outOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
override H: u32;
override W: u32;
override OH: u32;
override OW: u32;
override K: u32;
override S: u32;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.count) { return; }
  let plane = e / (OH * OW);
  let y = (e / OW) % OH;
  let x = e % OW;
  let base = p.inOff + plane * H * W + y * S * W + x * S;
  var m = X[base];
  for (var i = 0u; i < K; i++) {
    for (var j = 0u; j < K; j++) {
      let v = X[base + i * W + j];
      if (v > m || is_nan(v)) { m = v; }
    }
  }
  Y[p.outOff + e] = m;
}
