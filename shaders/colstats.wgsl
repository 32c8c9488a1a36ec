// Column statistics of rows [start, start+count) of X (spec 4, avg_dev_max): for each coordinate j,
// avg[j] = mean_i X[i][j] and sq[j] = Σ_i (X[i][j] − avg[j])². Computed on data shifted by the first row,
// so identical rows give exactly avg = that row and sq = 0. count = 0 gives NaN. With COPIES = 2 the same
// values also go to avg[avgOff2 + j] and sq[sqOff2 + j] (the study's honest rows when they are the sampled ones).
#include "common.wgsl"
struct P { start: u32, count: u32, d: u32, avgOff: u32, sqOff: u32, avgOff2: u32, sqOff2: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> avg: array<f32>;
@group(0) @binding(3) var<storage, read_write> sq: array<f32>;
// Columns per lane (gpu/tuning.ts columnChunk): 1 on a GPU, a contiguous run of columns on llvmpipe.
override CH: u32 = 1u;
override COPIES: u32 = 1u;
override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let first = flat_id(g, n, WG) * CH;
  let end = min(first + CH, p.d);
  for (var j = first; j < end; j++) { column(j); }
}

fn column(j: u32) {
  if (p.count == 0u) {
    store(j, nan_f32(), nan_f32());
    return;
  }
  let x0 = X[p.start * p.d + j];
  var s = 0.0;
  for (var i = 1u; i < p.count; i++) { s += X[(p.start + i) * p.d + j] - x0; }
  let m = s / f32(p.count);
  var q = m * m;
  for (var i = 1u; i < p.count; i++) {
    let y = X[(p.start + i) * p.d + j] - x0 - m;
    q = fma(y, y, q);
  }
  store(j, x0 + m, q);
}

fn store(j: u32, a: f32, q: f32) {
  avg[p.avgOff + j] = a;
  sq[p.sqOff + j] = q;
  if (COPIES == 2u) {
    avg[p.avgOff2 + j] = a;
    sq[p.sqOff2 + j] = q;
  }
}
