// BatchNorm training statistics, pass 2: per (worker w of the window, channel c), merges the per-image
// (mean, M2) of the worker's valid images (Chan et al.'s pairwise update) into the batch statistics:
// stats[(W·C + c)·6 …] = (mean, 1/√(var + eps), unbiased var, –, –, N) with var the biased variance over
// the N = rows·HW values and W = firstWorker + w (slots 3 and 4 are filled by the backward pass).
#include "common.wgsl"
struct P { workers: u32, C: u32, HW: u32, perWorker: u32, firstWorker: u32, cntOff: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> batch: array<u32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let w = g.y;
  if (c >= p.C) { return; }
  let rows = min(batch[p.cntOff + p.firstWorker + w], p.perWorker);
  let hw = f32(p.HW);
  var count = 0.0;
  var mean = 0.0;
  var m2 = 0.0;
  for (var r = 0u; r < rows; r++) {
    let k = ((w * p.perWorker + r) * p.C + c) * 2u;
    let delta = partial[k] - mean;
    let total = count + hw;
    mean += delta * hw / total;
    m2 += partial[k + 1u] + delta * delta * count * hw / total;
    count = total;
  }
  let s = ((p.firstWorker + w) * p.C + c) * 6u;
  let variance = m2 / max(count, 1.0);
  stats[s] = mean;
  stats[s + 1u] = 1.0 / sqrt(variance + p.eps);
  stats[s + 2u] = m2 / max(count - 1.0, 1.0);
  stats[s + 5u] = count;
}
