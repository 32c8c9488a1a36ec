// Iterated Krum selection (the corrected Bulyan's, El Mhamdi et al. 2018), rounds t0 … t1−1 of
// ops/krum_rounds.ts. One workgroup; lane i < n owns row i. Each round, every remaining row i scores the sum
// of its k = |R| − f − 2 smallest distances (non-finite → +∞) to the other remaining rows, walking its row
// order (dist_row_sort.wgsl) and skipping removed columns; a tree reduction finds the lowest (score, row),
// which goes to chosen[t] and leaves R. `chosen` holds the rounds of earlier dispatches, from which R is
// rebuilt. Per lane the loops run ≤ t0 + (t1 − t0)·(n − f − 1 + log2 WG) times: the caller keeps that under
// llvmpipe's 65 535 cap (notes §5.1).
#include "dist_common.wgsl"
struct P { n: u32, f: u32, t0: u32, t1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> D: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> chosen: array<u32>;
// Lanes: a power of two ≥ n, at most the size of the workgroup arrays.
override WG: u32 = 256u;
const NONE = 0xffffffffu;
var<workgroup> live: array<u32, 256>;
var<workgroup> bestScore: array<f32, 256>;
var<workgroup> bestRow: array<u32, 256>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) i: u32) {
  live[i] = select(0u, 1u, i < p.n);
  workgroupBarrier();
  if (i == 0u) {
    for (var t = 0u; t < p.t0; t++) { live[chosen[t]] = 0u; }
  }
  workgroupBarrier();
  for (var t = p.t0; t < p.t1; t++) {
    let k = p.n - t - p.f - 2u;
    var score = inf_f32();
    var row = NONE;
    if (live[i] == 1u) {
      var acc = 0.0;
      var count = 0u;
      for (var r = 0u; count < k && r < p.n - 1u; r++) {
        let j = order[i * (p.n - 1u) + r];
        if (live[j] == 1u) {
          acc += finite_or_inf(D[i * p.n + j]);
          count++;
        }
      }
      score = acc;
      row = i;
    }
    bestScore[i] = score;
    bestRow[i] = row;
    workgroupBarrier();
    for (var h = WG / 2u; h > 0u; h >>= 1u) {
      if (i < h) {
        let s = bestScore[i + h];
        let r = bestRow[i + h];
        let mine = bestScore[i];
        if (r != NONE && (bestRow[i] == NONE || s < mine || (s == mine && r < bestRow[i]))) {
          bestScore[i] = s;
          bestRow[i] = r;
        }
      }
      workgroupBarrier();
    }
    if (i == 0u) {
      chosen[t] = bestRow[0];
      live[bestRow[0]] = 0u;
    }
    workgroupBarrier();
  }
}
