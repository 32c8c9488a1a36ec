// Max-pooling backward in gather form, one invocation per input element of `count` (images × C × H × W):
// dX[n,c,i,j] = Σ dY[n,c,y,x] over the windows whose (first, PyTorch's) maximum sits at (i, j). With
// `reluMask`, X is a ReLU output and dX is zeroed where X ≤ 0 (the ReLU's backward, fused).
#include "common.wgsl"
struct P { count: u32, inOff: u32, gradOff: u32, outOff: u32, reluMask: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> dY: array<f32>;
@group(0) @binding(3) var<storage, read_write> dX: array<f32>;
override H: u32;
override W: u32;
override OH: u32;
override OW: u32;
override K: u32;
override S: u32;
override WG: u32 = 64u;

// Index (row-major within the window) of the element max-pooling selects in window (y, x) of `plane`.
fn argmax(plane: u32, y: u32, x: u32) -> u32 {
  let base = p.inOff + plane * H * W + y * S * W + x * S;
  var m = X[base];
  var best = 0u;
  for (var i = 0u; i < K; i++) {
    for (var j = 0u; j < K; j++) {
      let v = X[base + i * W + j];
      if (v > m || is_nan(v)) { m = v; best = i * K + j; }
    }
  }
  return best;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let e = flat_id(g, n, WG);
  if (e >= p.count) { return; }
  let plane = e / (H * W);
  let i = (e / W) % H;
  let j = e % W;
  var sum = 0.0;
  if (!(p.reluMask == 1u && !(X[p.inOff + e] > 0.0))) {
    // Windows y with y·S ≤ i < y·S + K, i.e. ⌈(i − K + 1)/S⌉ ≤ y ≤ ⌊i/S⌋ (clipped to the output).
    let y1 = min(i / S, OH - 1u);
    let x1 = min(j / S, OW - 1u);
    let y0 = select(0u, (i + S - K) / S, i + 1u > K);
    let x0 = select(0u, (j + S - K) / S, j + 1u > K);
    for (var y = y0; y <= y1; y++) {
      for (var x = x0; x <= x1; x++) {
        if (argmax(plane, y, x) == (i - y * S) * K + (j - x * S)) {
          sum += dY[p.gradOff + (plane * OH + y) * OW + x];
        }
      }
    }
  }
  dX[p.outOff + e] = sum;
}
